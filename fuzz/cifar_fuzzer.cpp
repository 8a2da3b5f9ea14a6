// CIFAR-10 binary batches (label byte + 3072 pixel bytes per record).
#include "fuzz_support.hpp"
#include "nce/train/datasets.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace nce;
  const auto batch = fuzz::write_scratch("data_batch_1.bin", fuzz::as_text(data, size));
  return fuzz::accept_or_refuse([&] { (void)train::read_cifar10({batch}); });
}
