// IDX datasets (Fashion-MNIST's format, raw or gzip): the first byte of the input picks how
// many of the remaining bytes form the images file; the rest is the labels file.
#include "fuzz_support.hpp"
#include "nce/train/datasets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  if (size < 1) return 0;
  const std::string_view rest = fuzz::as_text(data + 1, size - 1);
  const std::size_t split = rest.size() * data[0] / 255;
  const auto images = fuzz::write_scratch("images-idx3-ubyte", rest.substr(0, split));
  const auto labels = fuzz::write_scratch("labels-idx1-ubyte", rest.substr(split));
  return fuzz::accept_or_refuse([&] { (void)train::read_idx(images, labels); });
}
