// Waveforms of the verilated mac_array: the fast model has no tracing code, the VCD and FST
// models write files whose psum_o values are read back (the VCD by a small parser, the FST by
// the reader of the FST library that Verilator ships, gtkwave/fstapi) and compared with the
// outputs the driver collected.
#include <gtest/gtest.h>
#include <gtkwave/fstapi.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "nce/rtl/array_driver.hpp"
#include "nce/core/input_error.hpp"

namespace {

using nce::rtl::ArrayDriver;
using nce::rtl::GemmTile;
using nce::rtl::Waveform;

constexpr int kRows = 4;
constexpr int kCols = 4;
constexpr int kAccWidth = 16;

std::filesystem::path temp_file(const std::string& extension) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return std::filesystem::temp_directory_path() /
         ("nce_" + std::string(info->name()) + "_" + std::to_string(::getpid()) + extension);
}

// A 4x4 tile with distinct outputs: Y[c][j] = sum_r W[r][c] X[r][j].
GemmTile sample_tile() {
  GemmTile tile{kRows, kCols, 5, {}, {}};
  tile.weights = {1, -2, 0, -1, 1, 1, -2, 0, -1, 0, 1, 1, 0, 1, -1, -2};
  tile.activations = {3, 1, 0, 2, 1, 2, 3, 3, 0, 1, 1, 0, 2, 3, 2, 1, 0, 3, 1, 2};
  return tile;
}

// Time unit at which psum_o shows Y[c][j] of the first tile of a run: column c registers it at
// the rising edge of cycle start + rows - 1 + c + j (rtl/mac_array.sv, "Protocol"), with
// start = rows (the weight load), and the model dumps the rising edge of cycle t at 2t + 1.
std::uint64_t output_time(int c, int j) { return 2 * std::uint64_t(kRows + kRows - 1 + c + j) + 1; }

// Field c of a psum_o value written MSB first as '0'/'1' characters, sign-extended.
std::int32_t psum_field(const std::string& bits, int c) {
  const std::size_t width = bits.size();
  std::uint32_t raw = 0;
  for (int b = kAccWidth - 1; b >= 0; --b) {
    const std::size_t bit = std::size_t(c * kAccWidth + b);
    raw = (raw << 1) | (bit < width && bits[width - 1 - bit] == '1' ? 1u : 0u);
  }
  return static_cast<std::int32_t>(raw << (32 - kAccWidth)) >> (32 - kAccWidth);
}

// Runs the sample tile through a model of `waveform` tracing to `path`; returns its outputs.
std::vector<std::int32_t> run_traced(Waveform waveform, const std::filesystem::path& path, std::uint64_t& cycles) {
  ArrayDriver driver(nce::rtl::make_verilated_array(kRows, kCols, waveform));
  EXPECT_EQ(driver.model().waveform(), waveform);
  driver.model().open_trace(path.string());
  const GemmTile tile = sample_tile();
  std::vector<std::int32_t> out = driver.run(std::span(&tile, 1))[0];
  driver.model().close_trace();
  cycles = driver.cycles();
  return out;
}

TEST(MacArrayTrace, FastModelHasNoTracingCodeAndSaysSo) {
  ArrayDriver driver(nce::rtl::make_verilated_array(kRows, kCols));
  EXPECT_EQ(driver.model().waveform(), Waveform::none);
  EXPECT_THROW(driver.model().open_trace(temp_file(".vcd").string()), nce::core::InputError);
}

TEST(MacArrayTrace, WaveformFollowsTheFileExtension) {
  EXPECT_EQ(nce::rtl::waveform_for_path("run.vcd"), Waveform::vcd);
  EXPECT_EQ(nce::rtl::waveform_for_path("dir/run.fst"), Waveform::fst);
  EXPECT_THROW(nce::rtl::waveform_for_path("run.ghw"), nce::core::InputError);
  // A model writes its own format only.
  ArrayDriver driver(nce::rtl::make_verilated_array(kRows, kCols, Waveform::vcd));
  EXPECT_THROW(driver.model().open_trace(temp_file(".fst").string()), nce::core::InputError);
}

TEST(MacArrayTrace, TracedModelsComputeWhatTheFastOneDoes) {
  const GemmTile tile = sample_tile();
  const std::vector<std::int32_t> expected = nce::rtl::reference_outputs(tile);
  for (const Waveform waveform : {Waveform::none, Waveform::vcd, Waveform::fst}) {
    ArrayDriver driver(nce::rtl::make_verilated_array(kRows, kCols, waveform));
    EXPECT_EQ(driver.run(std::span(&tile, 1))[0], expected) << nce::rtl::to_string(waveform);
  }
}

TEST(MacArrayTrace, VcdHoldsThePsumsTheDriverCollected) {
  const std::filesystem::path path = temp_file(".vcd");
  std::uint64_t cycles = 0;
  const std::vector<std::int32_t> out = run_traced(Waveform::vcd, path, cycles);
  ASSERT_EQ(out, nce::rtl::reference_outputs(sample_tile()));

  // Parse: the identifier code of the top-level psum_o, then its value at every timestamp.
  std::ifstream in(path);
  ASSERT_TRUE(in.good());
  std::string line;
  std::string code;
  bool definitions_done = false;
  std::uint64_t time = 0;
  std::uint64_t last_time = 0;
  std::string value;
  std::map<std::uint64_t, std::string> psum_at;  // time -> psum_o bits, at each change
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (!definitions_done) {
      // "$var wire 64 <code> psum_o [63:0] $end", first under the TOP scope.
      if (first == "$var" && code.empty()) {
        std::string kind, width, id, name;
        words >> kind >> width >> id >> name;
        if (name == "psum_o") {
          EXPECT_EQ(width, std::to_string(kCols * kAccWidth));
          code = id;
        }
      }
      if (first == "$enddefinitions") definitions_done = true;
      continue;
    }
    if (!first.empty() && first[0] == '#') {
      time = std::stoull(first.substr(1));
      last_time = time;
    } else if (!first.empty() && first[0] == 'b') {
      std::string id;
      words >> id;
      if (id == code) psum_at[time] = first.substr(1);
    }
  }
  ASSERT_TRUE(definitions_done);
  ASSERT_FALSE(code.empty()) << "no psum_o in " << path;
  EXPECT_EQ(last_time, 2 * cycles - 1);  // two dumps per cycle from time 0
  for (int c = 0; c < kCols; ++c) {
    for (int j = 0; j < 5; ++j) {
      // The value at a time is the last change at or before it.
      auto it = psum_at.upper_bound(output_time(c, j));
      ASSERT_NE(it, psum_at.begin());
      --it;
      EXPECT_EQ(psum_field(it->second, c), out[std::size_t(c) * 5 + std::size_t(j)]) << "c=" << c << " j=" << j;
    }
  }
  std::filesystem::remove(path);
}

TEST(MacArrayTrace, FstIsAValidFstFileHoldingThePsumsTheDriverCollected) {
  const std::filesystem::path path = temp_file(".fst");
  std::uint64_t cycles = 0;
  const std::vector<std::int32_t> out = run_traced(Waveform::fst, path, cycles);
  ASSERT_EQ(out, nce::rtl::reference_outputs(sample_tile()));
  ASSERT_GT(std::filesystem::file_size(path), 0u);

  void* fst = fstReaderOpen(path.string().c_str());
  ASSERT_NE(fst, nullptr) << "the FST reader rejects " << path;
  EXPECT_EQ(fstReaderGetEndTime(fst), 2 * cycles - 1);
  EXPECT_GT(fstReaderGetVarCount(fst), std::uint64_t(kRows * kCols));  // every PE's registers, and more

  // The top-level psum_o: a var of the first scope (TOP); mac_array's own psum_o is an alias.
  fstHandle psum = 0;
  std::uint32_t psum_width = 0;
  int depth = 0;
  std::vector<std::string> scopes_seen;
  while (const fstHier* h = fstReaderIterateHier(fst)) {
    if (h->htyp == FST_HT_SCOPE) {
      ++depth;
      scopes_seen.emplace_back(h->u.scope.name);
    } else if (h->htyp == FST_HT_UPSCOPE) {
      --depth;
    } else if (h->htyp == FST_HT_VAR && depth == 1 && psum == 0 &&
               std::string(h->u.var.name) == "psum_o [" + std::to_string(kCols * kAccWidth - 1) + ":0]") {
      // Verilator names a vector var with its range.
      psum = h->u.var.handle;
      psum_width = h->u.var.length;
    }
  }
  ASSERT_FALSE(scopes_seen.empty());
  EXPECT_EQ(scopes_seen.front(), "TOP");
  ASSERT_NE(psum, 0u) << "no TOP.psum_o in " << path;
  EXPECT_EQ(psum_width, std::uint32_t(kCols * kAccWidth));

  std::vector<char> buffer(psum_width + 1, '\0');
  for (int c = 0; c < kCols; ++c) {
    for (int j = 0; j < 5; ++j) {
      const char* bits = fstReaderGetValueFromHandleAtTime(fst, output_time(c, j), psum, buffer.data());
      ASSERT_NE(bits, nullptr);
      EXPECT_EQ(psum_field(bits, c), out[std::size_t(c) * 5 + std::size_t(j)]) << "c=" << c << " j=" << j;
    }
  }
  fstReaderClose(fst);
  std::filesystem::remove(path);
}

}  // namespace
