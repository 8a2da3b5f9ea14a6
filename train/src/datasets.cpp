#include "nce/train/datasets.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <numeric>

#include "nce/core/input_error.hpp"

namespace nce::train {
namespace {

namespace fs = std::filesystem;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
  throw core::InputError(fmt::format("{}: {}", file.string(), what));
}

// Reads a whole gzip (or uncompressed: zlib passes those through) file.
std::vector<std::uint8_t> read_gzip(const fs::path& file) {
  if (!fs::exists(file)) fail(file, "file not found");
  gzFile handle = gzopen(file.c_str(), "rb");
  if (!handle) fail(file, "cannot open");
  std::vector<std::uint8_t> bytes;
  std::array<std::uint8_t, 1 << 16> chunk{};
  for (;;) {
    const int got = gzread(handle, chunk.data(), unsigned(chunk.size()));
    if (got < 0) {
      int code = 0;
      const std::string message = gzerror(handle, &code);
      gzclose(handle);
      fail(file, "corrupt gzip data (" + message + ")");
    }
    if (got == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
  }
  // A gzip stream cut short reads as EOF without an error on some zlib versions; ask.
  int code = 0;
  gzerror(handle, &code);
  gzclose(handle);
  if (code != Z_OK && code != Z_BUF_ERROR) fail(file, "corrupt gzip data");
  return bytes;
}

std::uint32_t big_endian(const std::vector<std::uint8_t>& bytes, std::size_t at) {
  return (std::uint32_t(bytes[at]) << 24) | (std::uint32_t(bytes[at + 1]) << 16) | (std::uint32_t(bytes[at + 2]) << 8) |
         std::uint32_t(bytes[at + 3]);
}

// IDX (LeCun's MNIST format): magic 0x0000 08 <dims>, big-endian dimension sizes, then bytes.
std::vector<std::uint32_t> idx_header(const std::vector<std::uint8_t>& bytes, const fs::path& file, int dims) {
  if (bytes.size() < 4 + 4 * std::size_t(dims)) fail(file, "truncated IDX header");
  if (bytes[0] != 0 || bytes[1] != 0 || bytes[2] != 0x08 || bytes[3] != dims) {
    fail(file, fmt::format("not an IDX unsigned-byte file with {} dimensions (bad magic number)", dims));
  }
  std::vector<std::uint32_t> sizes;
  std::size_t expected = 1;
  for (int d = 0; d < dims; ++d) {
    sizes.push_back(big_endian(bytes, 4 + 4 * std::size_t(d)));
    expected *= sizes.back();
  }
  const std::size_t have = bytes.size() - 4 - 4 * std::size_t(dims);
  if (have < expected) fail(file, fmt::format("truncated: header promises {} bytes of data, file has {}", expected, have));
  if (have > expected) fail(file, fmt::format("{} bytes of unexpected data after the IDX payload", have - expected));
  return sizes;
}

}  // namespace

void Dataset::truncate(int count) {
  if (count < 0 || count >= size()) return;
  labels.resize(std::size_t(count));
  pixels.resize(std::size_t(count) * channels * height * width);
}

Dataset read_idx(const fs::path& images, const fs::path& labels) {
  const std::vector<std::uint8_t> image_bytes = read_gzip(images);
  const std::vector<std::uint32_t> image_dims = idx_header(image_bytes, images, 3);
  const std::vector<std::uint8_t> label_bytes = read_gzip(labels);
  const std::vector<std::uint32_t> label_dims = idx_header(label_bytes, labels, 1);
  if (label_dims[0] != image_dims[0]) {
    fail(labels, fmt::format("{} labels for {} images in {}", label_dims[0], image_dims[0], images.string()));
  }
  Dataset data;
  data.channels = 1;
  data.height = int(image_dims[1]);
  data.width = int(image_dims[2]);
  data.pixels.assign(image_bytes.begin() + 16, image_bytes.end());
  data.labels.reserve(label_dims[0]);
  for (std::size_t i = 8; i < label_bytes.size(); ++i) {
    if (label_bytes[i] >= data.classes) fail(labels, fmt::format("label {} outside 0..9 at index {}", label_bytes[i], i - 8));
    data.labels.push_back(label_bytes[i]);
  }
  return data;
}

Dataset read_cifar10(const std::vector<fs::path>& batches) {
  constexpr std::size_t kImage = 3 * 32 * 32;
  constexpr std::size_t kRecord = 1 + kImage;  // label byte, then R, G, B planes (CIFAR-10 binary format)
  Dataset data;
  data.channels = 3;
  data.height = 32;
  data.width = 32;
  for (const fs::path& file : batches) {
    if (!fs::exists(file)) fail(file, "file not found");
    std::ifstream in(file, std::ios::binary);
    if (!in) fail(file, "cannot open");
    std::vector<std::uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (bytes.empty() || bytes.size() % kRecord != 0) {
      fail(file, fmt::format("truncated or corrupt: {} bytes is not a whole number of {}-byte CIFAR-10 records",
                             bytes.size(), kRecord));
    }
    for (std::size_t at = 0; at < bytes.size(); at += kRecord) {
      if (bytes[at] >= data.classes) fail(file, fmt::format("label {} outside 0..9 in record {}", bytes[at], at / kRecord));
      data.labels.push_back(bytes[at]);
      data.pixels.insert(data.pixels.end(), bytes.begin() + std::ptrdiff_t(at + 1), bytes.begin() + std::ptrdiff_t(at + kRecord));
    }
  }
  return data;
}

fs::path default_dataset_dir(const std::string& name) {
  if (name == "fashion-mnist") return "/usr/share/datasets/fashion-mnist";
  if (name == "cifar10") return "data/cifar-10-batches-bin";
  throw core::InputError(fmt::format("unknown dataset '{}' (known: fashion-mnist, cifar10)", name));
}

DatasetSplits load_dataset(const std::string& name, const fs::path& dir_or_empty) {
  const fs::path dir = dir_or_empty.empty() ? default_dataset_dir(name) : dir_or_empty;
  if (!fs::is_directory(dir)) throw core::InputError(fmt::format("{}: dataset directory not found", dir.string()));
  if (name == "fashion-mnist") {
    return {read_idx(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz"),
            read_idx(dir / "t10k-images-idx3-ubyte.gz", dir / "t10k-labels-idx1-ubyte.gz")};
  }
  if (name == "cifar10") {
    std::vector<fs::path> train;
    for (int i = 1; i <= 5; ++i) train.push_back(dir / fmt::format("data_batch_{}.bin", i));
    return {read_cifar10(train), read_cifar10({dir / "test_batch.bin"})};
  }
  throw core::InputError(fmt::format("unknown dataset '{}' (known: fashion-mnist, cifar10)", name));
}

Normalization dataset_normalization(const std::string& name) {
  if (name == "fashion-mnist") return {{0.2860f}, {0.3530f}};  // training-set pixel mean/std
  if (name == "cifar10") return {{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}};
  throw core::InputError(fmt::format("unknown dataset '{}' (known: fashion-mnist, cifar10)", name));
}

std::vector<std::int32_t> iota_order(int count) {
  std::vector<std::int32_t> order(std::size_t(std::max(count, 0)));
  std::iota(order.begin(), order.end(), 0);
  return order;
}

std::vector<std::int32_t> shuffled_order(int count, std::uint64_t seed) {
  std::vector<std::int32_t> order = iota_order(count);
  Rng rng(seed);
  // Fisher-Yates with our own index draws: std::shuffle's algorithm is implementation-defined.
  for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  return order;
}

TrainArchSplit split_train_arch(int count, std::uint64_t seed) {
  const std::vector<std::int32_t> order = shuffled_order(count, seed);
  TrainArchSplit split;
  const std::size_t half = order.size() / 2;
  split.weight.assign(order.begin(), order.begin() + std::ptrdiff_t(half));
  split.arch.assign(order.begin() + std::ptrdiff_t(half), order.begin() + std::ptrdiff_t(2 * half));
  std::sort(split.weight.begin(), split.weight.end());
  std::sort(split.arch.begin(), split.arch.end());
  return split;
}

void make_batch(const Dataset& data, const std::vector<std::int32_t>& order, std::size_t begin, int count,
                const Normalization& norm, const Augmentation& augmentation, Rng* rng, Tensor& images,
                std::vector<std::int32_t>& labels) {
  images.resize(count, data.channels, data.height, data.width);
  labels.resize(std::size_t(count));
  const std::size_t plane = std::size_t(data.height) * data.width;
  const bool augment = rng != nullptr && augmentation.enabled;
  for (int i = 0; i < count; ++i) {
    const std::int32_t index = order[begin + std::size_t(i)];
    labels[std::size_t(i)] = data.labels[std::size_t(index)];
    int dy = 0;
    int dx = 0;
    bool flip = false;
    if (augment) {
      const int span = 2 * augmentation.padding + 1;
      dy = int(rng->below(std::uint64_t(span))) - augmentation.padding;
      dx = int(rng->below(std::uint64_t(span))) - augmentation.padding;
      flip = augmentation.flip && rng->below(2) == 1;
    }
    const std::uint8_t* src = data.pixels.data() + std::size_t(index) * data.channels * plane;
    for (int c = 0; c < data.channels; ++c) {
      const float scale = 1.0f / (255.0f * norm.std[std::size_t(c)]);
      const float shift = -norm.mean[std::size_t(c)] / norm.std[std::size_t(c)];
      const std::uint8_t* in = src + std::size_t(c) * plane;
      for (int y = 0; y < data.height; ++y) {
        for (int x = 0; x < data.width; ++x) {
          const int sy = y + dy;
          const int sx0 = x + dx;
          const int sx = flip ? data.width - 1 - sx0 : sx0;
          float value = 0.0f;  // padding: zero after normalisation
          if (sy >= 0 && sy < data.height && sx0 >= 0 && sx0 < data.width) value = float(in[sy * data.width + sx]) * scale + shift;
          images.at(i, c, y, x) = value;
        }
      }
    }
  }
}

void check_model_fits(const workloads::Workload& workload, const Dataset& data, const std::string& dataset_name) {
  const workloads::TensorShape& input = workload.input;
  if (input.channels != data.channels || input.height != data.height || input.width != data.width) {
    throw core::InputError(fmt::format("model {} takes {}x{}x{} inputs but {} images are {}x{}x{}", workload.name,
                                       input.channels, input.height, input.width, dataset_name, data.channels,
                                       data.height, data.width));
  }
  if (workload.layers.empty() || workload.layers.back().out_channels != data.classes) {
    throw core::InputError(
        fmt::format("model {}: the last layer must output {} classes ({})", workload.name, data.classes, dataset_name));
  }
}

}  // namespace nce::train
