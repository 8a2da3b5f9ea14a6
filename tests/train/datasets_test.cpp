// Dataset readers on files written here (IDX gzip, CIFAR-10 binary), their error messages,
// augmentation and the train/arch split.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>

#include "nce/train/datasets.hpp"
#include "nce/core/input_error.hpp"

namespace nce::train {
namespace {

namespace fs = std::filesystem;

fs::path temp_dir(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nce-search-test-" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

void write_gzip(const fs::path& file, const std::vector<std::uint8_t>& bytes) {
  gzFile handle = gzopen(file.c_str(), "wb");
  ASSERT_NE(handle, nullptr);
  ASSERT_EQ(gzwrite(handle, bytes.data(), unsigned(bytes.size())), int(bytes.size()));
  gzclose(handle);
}

std::vector<std::uint8_t> idx_images(int count, int h, int w) {
  std::vector<std::uint8_t> bytes = {0, 0, 8, 3, 0, 0, 0, std::uint8_t(count), 0, 0, 0, std::uint8_t(h), 0, 0, 0, std::uint8_t(w)};
  for (int i = 0; i < count * h * w; ++i) bytes.push_back(std::uint8_t(i));
  return bytes;
}
std::vector<std::uint8_t> idx_labels(int count) {
  std::vector<std::uint8_t> bytes = {0, 0, 8, 1, 0, 0, 0, std::uint8_t(count)};
  for (int i = 0; i < count; ++i) bytes.push_back(std::uint8_t(i % 10));
  return bytes;
}

// The message names the file and says what is wrong.
void expect_error(const std::function<void()>& action, const fs::path& file, const std::string& what) {
  try {
    action();
    FAIL() << "no error for " << file;
  } catch (const core::InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find(file.string()), std::string::npos) << message;
    EXPECT_NE(message.find(what), std::string::npos) << message;
  }
}

TEST(IdxReader, ReadsGzipImagesAndLabels) {
  const fs::path dir = temp_dir("idx");
  write_gzip(dir / "images.gz", idx_images(3, 2, 2));
  write_gzip(dir / "labels.gz", idx_labels(3));
  const Dataset data = read_idx(dir / "images.gz", dir / "labels.gz");
  EXPECT_EQ(data.size(), 3);
  EXPECT_EQ(data.channels, 1);
  EXPECT_EQ(data.height, 2);
  EXPECT_EQ(data.pixels[5], 5);
  EXPECT_EQ(data.labels, (std::vector<std::int32_t>{0, 1, 2}));
}

TEST(IdxReader, MissingTruncatedAndCorruptFilesNameTheFile) {
  const fs::path dir = temp_dir("idx-bad");
  write_gzip(dir / "labels.gz", idx_labels(3));
  expect_error([&] { read_idx(dir / "absent.gz", dir / "labels.gz"); }, dir / "absent.gz", "not found");

  std::vector<std::uint8_t> short_images = idx_images(3, 2, 2);
  short_images.resize(short_images.size() - 3);
  write_gzip(dir / "short.gz", short_images);
  expect_error([&] { read_idx(dir / "short.gz", dir / "labels.gz"); }, dir / "short.gz", "truncated");

  write_gzip(dir / "full.gz", idx_images(3, 2, 2));
  const auto size = fs::file_size(dir / "full.gz");
  fs::copy_file(dir / "full.gz", dir / "cut.gz");
  fs::resize_file(dir / "cut.gz", size / 2);  // gzip stream cut mid-way
  expect_error([&] { read_idx(dir / "cut.gz", dir / "labels.gz"); }, dir / "cut.gz", "");

  std::ofstream(dir / "garbage.gz") << "this is not an IDX file at all";
  expect_error([&] { read_idx(dir / "garbage.gz", dir / "labels.gz"); }, dir / "garbage.gz", "magic");

  write_gzip(dir / "labels4.gz", idx_labels(4));
  expect_error([&] { read_idx(dir / "full.gz", dir / "labels4.gz"); }, dir / "labels4.gz", "4 labels for 3 images");
}

TEST(CifarReader, ReadsRecordsAndRejectsPartialOnes) {
  const fs::path dir = temp_dir("cifar");
  std::vector<char> bytes;
  for (int r = 0; r < 2; ++r) {
    bytes.push_back(char(r + 6));
    for (int i = 0; i < 3072; ++i) bytes.push_back(char(i % 251));
  }
  std::ofstream(dir / "data_batch_1.bin", std::ios::binary).write(bytes.data(), std::streamsize(bytes.size()));
  const Dataset data = read_cifar10({dir / "data_batch_1.bin"});
  EXPECT_EQ(data.size(), 2);
  EXPECT_EQ(data.labels, (std::vector<std::int32_t>{6, 7}));
  EXPECT_EQ(data.pixels[1024], 1024 % 251);  // first green pixel
  std::ofstream(dir / "cut.bin", std::ios::binary).write(bytes.data(), 5000);
  expect_error([&] { read_cifar10({dir / "cut.bin"}); }, dir / "cut.bin", "truncated");
  expect_error([&] { read_cifar10({dir / "test_batch.bin"}); }, dir / "test_batch.bin", "not found");
}

TEST(FashionMnist, DebianPackageLoads) {
  if (!fs::exists(default_dataset_dir("fashion-mnist"))) GTEST_SKIP() << "dataset-fashion-mnist not installed";
  const DatasetSplits data = load_dataset("fashion-mnist", {});
  EXPECT_EQ(data.train.size(), 60000);
  EXPECT_EQ(data.test.size(), 10000);
  EXPECT_EQ(data.train.height, 28);
}

TEST(Split, HalvesAreDisjointCoverEverythingAndRepeatWithTheSeed) {
  const TrainArchSplit a = split_train_arch(101, 5);
  EXPECT_EQ(a.weight.size(), 50u);
  EXPECT_EQ(a.arch.size(), 50u);
  std::set<std::int32_t> all(a.weight.begin(), a.weight.end());
  for (std::int32_t i : a.arch) EXPECT_TRUE(all.insert(i).second);
  EXPECT_EQ(split_train_arch(101, 5).weight, a.weight);
  EXPECT_NE(split_train_arch(101, 6).weight, a.weight);
}

TEST(Batches, NormaliseAndAugmentDeterministically) {
  Dataset data;
  data.channels = 1;
  data.height = 2;
  data.width = 3;
  data.pixels = {0, 51, 102, 153, 204, 255};
  data.labels = {4};
  const Normalization norm{{0.5f}, {0.5f}};
  Tensor images;
  std::vector<std::int32_t> labels;
  make_batch(data, {0}, 0, 1, norm, Augmentation{}, nullptr, images, labels);
  EXPECT_FLOAT_EQ(images.at(0, 0, 0, 0), -1.0f);  // (0 - 0.5)/0.5
  EXPECT_FLOAT_EQ(images.at(0, 0, 1, 2), 1.0f);
  EXPECT_EQ(labels[0], 4);
  // Flip only (no padding): every draw either keeps or mirrors the rows.
  Rng rng(1);
  bool saw_flip = false;
  for (int i = 0; i < 20; ++i) {
    make_batch(data, {0}, 0, 1, norm, Augmentation{true, 0, true}, &rng, images, labels);
    const bool flipped = std::fabs(images.at(0, 0, 0, 0) + 0.2f) < 1e-6f;  // pixel 102: (0.4 - 0.5)/0.5
    saw_flip |= flipped;
    EXPECT_TRUE(flipped || images.at(0, 0, 0, 0) == -1.0f);
  }
  EXPECT_TRUE(saw_flip);
}

}  // namespace
}  // namespace nce::train
