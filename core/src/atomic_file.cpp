#include "nce/core/atomic_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <system_error>
#include <thread>

#include "nce/core/input_error.hpp"

namespace nce::core {
namespace {

namespace fs = std::filesystem;

std::string reason(int error) { return std::strerror(error); }

// Writes all of `content` to `fd`; false on error (errno set).
bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const ssize_t n = ::write(fd, content.data(), content.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    content.remove_prefix(std::size_t(n));
  }
  return true;
}

void sync_directory(const fs::path& dir) {
  const int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd < 0) return;  // best effort: some file systems refuse to open directories
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

void write_file_atomically(const fs::path& path, std::string_view content) {
  const fs::path temporary =
      path.string() + fmt::format(".{}-{}.partial", ::getpid(), std::hash<std::thread::id>{}(std::this_thread::get_id()) % 100000);
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot write ({})", path.string(), reason(errno)));
  if (!write_all(fd, content) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    ::unlink(temporary.c_str());
    throw InputError(fmt::format("{}: write failed ({})", path.string(), reason(error)));
  }
  ::close(fd);
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temporary.c_str());
    throw InputError(fmt::format("{}: cannot replace ({})", path.string(), reason(error)));
  }
  sync_directory(path.parent_path());
}

void append_line_durably(const fs::path& path, std::string_view line) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) throw InputError(fmt::format("{}: cannot append ({})", path.string(), reason(errno)));
  std::string text(line);
  text += '\n';
  if (!write_all(fd, text) || ::fsync(fd) != 0) {
    const int error = errno;
    ::close(fd);
    throw InputError(fmt::format("{}: append failed ({})", path.string(), reason(error)));
  }
  ::close(fd);
}

void prepare_output_directory(const fs::path& dir) {
  std::error_code error;
  const fs::file_status status = fs::status(dir, error);
  if (fs::exists(status) && !fs::is_directory(status)) {
    throw InputError(fmt::format("--out {}: exists and is not a directory", dir.string()));
  }
  if (!fs::exists(status)) {
    fs::create_directories(dir, error);
    if (error) throw InputError(fmt::format("--out {}: cannot create the directory ({})", dir.string(), error.message()));
  }
  if (::access(dir.c_str(), W_OK | X_OK) != 0) {
    throw InputError(fmt::format("--out {}: directory is not writable ({})", dir.string(), reason(errno)));
  }
}

DirectoryLock::DirectoryLock(const fs::path& dir) {
  fd_ = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd_ < 0) throw InputError(fmt::format("--out {}: cannot open the directory ({})", dir.string(), reason(errno)));
  int result = 0;
  do {
    result = ::flock(fd_, LOCK_EX | LOCK_NB);
  } while (result != 0 && errno == EINTR);
  if (result != 0) {
    const int error = errno;
    ::close(fd_);
    fd_ = -1;
    if (error == EWOULDBLOCK) {
      throw InputError(fmt::format("--out {}: another nce run is writing this directory; wait for it to end or choose "
                                   "another --out",
                                   dir.string()));
    }
    throw InputError(fmt::format("--out {}: cannot lock the directory ({})", dir.string(), reason(error)));
  }
}

DirectoryLock::~DirectoryLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

}  // namespace nce::core
