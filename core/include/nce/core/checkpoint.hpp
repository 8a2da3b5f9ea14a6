#pragma once
// The one checkpoint format of nce, used by training, the search and exploration: named blobs
// (float arrays, 64-bit integer arrays, text) behind a header naming the writer's kind and its
// format version, closed by a CRC-32 of every byte before it.
//
// Layout (little-endian):
//   8 bytes  magic "NCECKPT1"
//   u32      length of the kind, then the kind ("train", "search", ...)
//   u32      the kind's format version
//   u64      blob count
//   per blob u32 name length, name, u8 type (1 f32, 2 i64, 3 text), u64 byte count, bytes
//   u32      CRC-32 (zlib) of all preceding bytes
//
// A reader verifies the magic, every length against the file size and the checksum before it
// hands out any value, then the kind and version: a truncated, corrupted or foreign file is
// refused with an InputError naming the file, never half-loaded.
#include <cstdint>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace nce::core {

class CheckpointWriter {
 public:
  CheckpointWriter(std::string kind, std::uint32_t version);
  void add(const std::string& name, std::span<const float> values);
  void add(const std::string& name, std::span<const std::int64_t> values);
  void add_integer(const std::string& name, std::int64_t value) { add(name, std::span<const std::int64_t>(&value, 1)); }
  void add_text(const std::string& name, std::string_view text);
  std::string bytes() const;
  void write(const std::filesystem::path& path) const;  // atomically (core/atomic_file.hpp)

 private:
  struct Blob {
    std::uint8_t type = 0;
    std::string bytes;
  };
  void put(const std::string& name, std::uint8_t type, std::string bytes);
  std::string kind_;
  std::uint32_t version_;
  std::vector<std::pair<std::string, Blob>> blobs_;
};

class CheckpointReader {
 public:
  // Reads and verifies `path`; InputError names the file on any problem.
  CheckpointReader(const std::filesystem::path& path, std::string_view kind, std::uint32_t version);
  // The same from bytes already in memory; `source` names them in errors.
  CheckpointReader(std::string_view bytes, std::string source, std::string_view kind, std::uint32_t version);

  bool contains(std::string_view name) const;
  std::vector<std::string> names() const;
  // Each throws InputError when the blob is absent or of another type.
  std::vector<float> floats(std::string_view name) const;
  std::vector<std::int64_t> integers(std::string_view name) const;
  std::int64_t integer(std::string_view name) const;  // a one-element integer blob
  std::string text(std::string_view name) const;
  // floats(name) into `values`, whose size must match.
  void read_into(std::string_view name, std::vector<float>& values) const;
  const std::string& source() const { return source_; }

 private:
  struct Blob {
    std::uint8_t type = 0;
    std::string bytes;
  };
  void parse(std::string_view bytes, std::string_view kind, std::uint32_t version);
  const Blob& blob(std::string_view name, std::uint8_t type) const;
  std::string source_;
  std::map<std::string, Blob, std::less<>> blobs_;
};

}  // namespace nce::core
