#pragma once
// Shared by the libFuzzer targets (fuzz/README.md): the oracle and a scratch directory.
//
// The oracle is the CLI's contract for bad input: a reader may refuse an input only with
// core::InputError (the program prints its one line and exits 2). Any other exception escapes
// the target, libFuzzer reports it as a crash, and the input is saved; so do ASan and UBSan
// findings and hangs (-timeout).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

#include "nce/core/input_error.hpp"

namespace nce::fuzz {

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// A directory private to this fuzzing process (several run side by side in bench/fuzz.sh).
inline const std::filesystem::path& scratch_dir() {
  static const std::filesystem::path dir = [] {
    const std::filesystem::path d = std::filesystem::temp_directory_path() / ("nce-fuzz-" + std::to_string(::getpid()));
    std::filesystem::create_directories(d);
    return d;
  }();
  return dir;
}

inline std::filesystem::path write_scratch(const std::string& name, std::string_view bytes) {
  const std::filesystem::path path = scratch_dir() / name;
  std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), std::streamsize(bytes.size()));
  return path;
}

// Runs `body`; an InputError is the expected refusal of bad input and is swallowed.
template <class Body>
int accept_or_refuse(Body&& body) {
  try {
    body();
  } catch (const core::InputError&) {
  }
  return 0;
}

}  // namespace nce::fuzz
