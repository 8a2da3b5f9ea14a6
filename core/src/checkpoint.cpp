#include "nce/core/checkpoint.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"

namespace nce::core {
namespace {

constexpr char kMagic[8] = {'N', 'C', 'E', 'C', 'K', 'P', 'T', '1'};
constexpr std::uint8_t kFloats = 1;
constexpr std::uint8_t kIntegers = 2;
constexpr std::uint8_t kText = 3;

template <typename T>
void put_scalar(std::string& out, T value) {
  char raw[sizeof(T)];
  std::memcpy(raw, &value, sizeof(T));
  out.append(raw, sizeof(T));
}

std::uint32_t crc_of(std::string_view bytes) {
  uLong crc = crc32(0L, Z_NULL, 0);
  // zlib takes uInt lengths: feed large buffers in pieces.
  for (std::size_t at = 0; at < bytes.size();) {
    const std::size_t piece = std::min<std::size_t>(bytes.size() - at, 1u << 30);
    crc = crc32(crc, reinterpret_cast<const Bytef*>(bytes.data() + at), uInt(piece));
    at += piece;
  }
  return std::uint32_t(crc);
}

const char* type_name(std::uint8_t type) {
  switch (type) {
    case kFloats: return "float array";
    case kIntegers: return "integer array";
    case kText: return "text";
  }
  return "unknown";
}

// Bounds-checked reading of the container's bytes.
class Cursor {
 public:
  Cursor(std::string_view bytes, const std::string& source) : bytes_(bytes), source_(source) {}
  template <typename T>
  T scalar() {
    need(sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return value;
  }
  std::string_view take(std::uint64_t count) {
    need(count);
    const std::string_view out = bytes_.substr(at_, std::size_t(count));
    at_ += std::size_t(count);
    return out;
  }
  std::size_t position() const { return at_; }

 private:
  void need(std::uint64_t count) const {
    if (count > bytes_.size() - at_) throw InputError(fmt::format("{}: truncated checkpoint", source_));
  }
  std::string_view bytes_;
  const std::string& source_;
  std::size_t at_ = 0;
};

}  // namespace

CheckpointWriter::CheckpointWriter(std::string kind, std::uint32_t version) : kind_(std::move(kind)), version_(version) {}

void CheckpointWriter::put(const std::string& name, std::uint8_t type, std::string bytes) {
  blobs_.push_back({name, Blob{type, std::move(bytes)}});
}

void CheckpointWriter::add(const std::string& name, std::span<const float> values) {
  put(name, kFloats, std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes()));
}

void CheckpointWriter::add(const std::string& name, std::span<const std::int64_t> values) {
  put(name, kIntegers, std::string(reinterpret_cast<const char*>(values.data()), values.size_bytes()));
}

void CheckpointWriter::add_text(const std::string& name, std::string_view text) { put(name, kText, std::string(text)); }

std::string CheckpointWriter::bytes() const {
  std::string out(kMagic, sizeof kMagic);
  put_scalar(out, std::uint32_t(kind_.size()));
  out += kind_;
  put_scalar(out, version_);
  put_scalar(out, std::uint64_t(blobs_.size()));
  for (const auto& [name, blob] : blobs_) {
    put_scalar(out, std::uint32_t(name.size()));
    out += name;
    put_scalar(out, blob.type);
    put_scalar(out, std::uint64_t(blob.bytes.size()));
    out += blob.bytes;
  }
  put_scalar(out, crc_of(out));
  return out;
}

void CheckpointWriter::write(const std::filesystem::path& path) const { write_file_atomically(path, bytes()); }

CheckpointReader::CheckpointReader(const std::filesystem::path& path, std::string_view kind, std::uint32_t version)
    : source_(path.string()) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(fmt::format("{}: cannot read the checkpoint", source_));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  parse(buffer.str(), kind, version);
}

CheckpointReader::CheckpointReader(std::string_view bytes, std::string source, std::string_view kind,
                                   std::uint32_t version)
    : source_(std::move(source)) {
  parse(bytes, kind, version);
}

void CheckpointReader::parse(std::string_view bytes, std::string_view kind, std::uint32_t version) {
  if (bytes.size() < sizeof kMagic || std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) {
    throw InputError(fmt::format("{}: not an nce checkpoint", source_));
  }
  if (bytes.size() < sizeof kMagic + sizeof(std::uint32_t)) throw InputError(fmt::format("{}: truncated checkpoint", source_));
  const std::string_view body = bytes.substr(0, bytes.size() - sizeof(std::uint32_t));
  std::uint32_t stored_crc = 0;
  std::memcpy(&stored_crc, bytes.data() + body.size(), sizeof stored_crc);
  Cursor cursor(body, source_);
  cursor.take(sizeof kMagic);
  const std::string stored_kind(cursor.take(cursor.scalar<std::uint32_t>()));
  const std::uint32_t stored_version = cursor.scalar<std::uint32_t>();
  const std::uint64_t count = cursor.scalar<std::uint64_t>();
  std::map<std::string, Blob, std::less<>> blobs;
  for (std::uint64_t b = 0; b < count; ++b) {
    std::string name(cursor.take(cursor.scalar<std::uint32_t>()));
    Blob blob;
    blob.type = cursor.scalar<std::uint8_t>();
    blob.bytes = std::string(cursor.take(cursor.scalar<std::uint64_t>()));
    blobs[std::move(name)] = std::move(blob);
  }
  // Lengths first (a truncated file reads as truncated), then the checksum over every byte.
  if (cursor.position() != body.size() || crc_of(body) != stored_crc) {
    throw InputError(fmt::format("{}: corrupt checkpoint (checksum mismatch)", source_));
  }
  if (stored_kind != kind) {
    throw InputError(fmt::format("{}: a '{}' checkpoint, expected a '{}' one", source_, stored_kind, kind));
  }
  if (stored_version != version) {
    throw InputError(fmt::format("{}: {} checkpoint format version {}, this build reads version {}", source_, kind,
                                 stored_version, version));
  }
  blobs_ = std::move(blobs);
}

bool CheckpointReader::contains(std::string_view name) const { return blobs_.find(name) != blobs_.end(); }

std::vector<std::string> CheckpointReader::names() const {
  std::vector<std::string> out;
  for (const auto& [name, blob] : blobs_) out.push_back(name);
  return out;
}

const CheckpointReader::Blob& CheckpointReader::blob(std::string_view name, std::uint8_t type) const {
  const auto it = blobs_.find(name);
  if (it == blobs_.end()) throw InputError(fmt::format("{}: checkpoint has no '{}'", source_, name));
  if (it->second.type != type) {
    throw InputError(fmt::format("{}: checkpoint entry '{}' is a {}, expected a {}", source_, name,
                                 type_name(it->second.type), type_name(type)));
  }
  return it->second;
}

std::vector<float> CheckpointReader::floats(std::string_view name) const {
  const Blob& b = blob(name, kFloats);
  if (b.bytes.size() % sizeof(float) != 0) throw InputError(fmt::format("{}: corrupt entry '{}'", source_, name));
  std::vector<float> out(b.bytes.size() / sizeof(float));
  if (!out.empty()) std::memcpy(out.data(), b.bytes.data(), b.bytes.size());  // memcpy of nullptr is UB, even of 0 bytes
  return out;
}

std::vector<std::int64_t> CheckpointReader::integers(std::string_view name) const {
  const Blob& b = blob(name, kIntegers);
  if (b.bytes.size() % sizeof(std::int64_t) != 0) throw InputError(fmt::format("{}: corrupt entry '{}'", source_, name));
  std::vector<std::int64_t> out(b.bytes.size() / sizeof(std::int64_t));
  if (!out.empty()) std::memcpy(out.data(), b.bytes.data(), b.bytes.size());  // memcpy of nullptr is UB, even of 0 bytes
  return out;
}

std::int64_t CheckpointReader::integer(std::string_view name) const {
  const std::vector<std::int64_t> values = integers(name);
  if (values.size() != 1) throw InputError(fmt::format("{}: entry '{}' is not one integer", source_, name));
  return values.front();
}

std::string CheckpointReader::text(std::string_view name) const { return blob(name, kText).bytes; }

void CheckpointReader::read_into(std::string_view name, std::vector<float>& values) const {
  std::vector<float> stored = floats(name);
  if (stored.size() != values.size()) {
    throw InputError(fmt::format("{}: checkpoint entry '{}' has {} values, the network needs {}", source_, name,
                                 stored.size(), values.size()));
  }
  values = std::move(stored);
}

}  // namespace nce::core
