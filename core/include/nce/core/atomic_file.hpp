#pragma once
// Atomic file replacement: the content goes to a temporary file beside `path` (unique per
// process and thread), is flushed to disk (fsync), and is renamed over `path`; the directory is
// synced too. A reader, or a run resumed after a kill at any moment, sees the old file or the
// new one, never a mix. Throws InputError naming the path when it cannot be written.
#include <filesystem>
#include <string_view>

namespace nce::core {

void write_file_atomically(const std::filesystem::path& path, std::string_view content);

// Appends one line (a '\n' is added) and fsyncs it: an append-only log whose finished lines
// survive a kill. Throws InputError naming the path.
void append_line_durably(const std::filesystem::path& path, std::string_view line);

// Creates `dir` (and its parents) for output. Throws InputError naming the path and the
// problem when it exists as something other than a directory or cannot be created or written.
void prepare_output_directory(const std::filesystem::path& dir);

// An exclusive advisory lock (flock) on an output directory for the lifetime of the object: a
// job that writes a directory (train, search, explore, simulate, infer) holds it while it runs, so
// a second process given the same --out is refused with one InputError line instead of racing the
// first on its checkpoint and logs. The lock is on the directory itself, so nothing is added to it; it is released when
// the object is destroyed or the process dies (SIGKILL included). Two locks on one directory
// conflict even inside one process. The directory must exist (prepare_output_directory first).
class DirectoryLock {
 public:
  explicit DirectoryLock(const std::filesystem::path& dir);
  ~DirectoryLock();
  DirectoryLock(const DirectoryLock&) = delete;
  DirectoryLock& operator=(const DirectoryLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace nce::core
