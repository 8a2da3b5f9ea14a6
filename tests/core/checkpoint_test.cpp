// The checkpoint container: what is written reads back exactly; any truncation, any flipped
// byte, another kind or another version is refused with an error naming the source.
#include <gtest/gtest.h>

#include <string>

#include "nce/core/checkpoint.hpp"
#include "nce/core/input_error.hpp"

namespace nce::core {
namespace {

std::string sample() {
  CheckpointWriter out("train", 3);
  out.add("weights", std::vector<float>{1.5f, -2.25f, 0.0f});
  out.add("empty", std::vector<float>{});
  out.add_integer("epoch", 7);
  out.add("widths", std::vector<std::int64_t>{16, 32, -1});
  out.add_text("note", "a\nb");
  return out.bytes();
}

std::string error_of(std::string_view bytes, std::string_view kind = "train", std::uint32_t version = 3) {
  try {
    CheckpointReader(bytes, "ckpt.bin", kind, version);
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(Checkpoint, RoundTripsEveryBlobType) {
  const CheckpointReader in(sample(), "ckpt.bin", "train", 3);
  EXPECT_EQ(in.floats("weights"), (std::vector<float>{1.5f, -2.25f, 0.0f}));
  EXPECT_TRUE(in.floats("empty").empty());
  EXPECT_EQ(in.integer("epoch"), 7);
  EXPECT_EQ(in.integers("widths"), (std::vector<std::int64_t>{16, 32, -1}));
  EXPECT_EQ(in.text("note"), "a\nb");
  EXPECT_EQ(in.names(), (std::vector<std::string>{"empty", "epoch", "note", "weights", "widths"}));
  std::vector<float> into(3);
  in.read_into("weights", into);
  EXPECT_EQ(into[1], -2.25f);
}

TEST(Checkpoint, EveryTruncationIsRefused) {
  const std::string bytes = sample();
  for (std::size_t size = 0; size < bytes.size(); ++size) {
    const std::string error = error_of(bytes.substr(0, size));
    EXPECT_NE(error.find("ckpt.bin: "), std::string::npos) << size;
    EXPECT_TRUE(error.find("truncated") != std::string::npos || error.find("not an nce checkpoint") != std::string::npos ||
                error.find("checksum") != std::string::npos)
        << size << ": " << error;
  }
}

TEST(Checkpoint, EveryFlippedByteIsRefused) {
  const std::string bytes = sample();
  for (std::size_t at = 0; at < bytes.size(); ++at) {
    std::string damaged = bytes;
    damaged[at] = char(damaged[at] ^ 0x01);
    EXPECT_FALSE(error_of(damaged).empty()) << "byte " << at;
  }
}

TEST(Checkpoint, KindVersionAndMissingEntriesAreNamed) {
  EXPECT_EQ(error_of(sample(), "search"), "ckpt.bin: a 'train' checkpoint, expected a 'search' one");
  EXPECT_EQ(error_of(sample(), "train", 4), "ckpt.bin: train checkpoint format version 3, this build reads version 4");
  EXPECT_EQ(error_of("garbage that is long enough"), "ckpt.bin: not an nce checkpoint");
  const CheckpointReader in(sample(), "ckpt.bin", "train", 3);
  EXPECT_THROW(in.floats("missing"), InputError);
  EXPECT_THROW(in.integers("weights"), InputError);  // a float array, not integers
  std::vector<float> wrong(2);
  EXPECT_THROW(in.read_into("weights", wrong), InputError);
}

}  // namespace
}  // namespace nce::core
