// Atomic writes leave the new content and no temporary file; output directories are checked
// before any work, with the path and the problem in the message.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <iterator>
#include <fstream>
#include <sstream>

#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"

namespace nce::core {
namespace {

namespace fs = std::filesystem;

fs::path fresh(const std::string& name) {
  const fs::path dir = fs::temp_directory_path() / ("nce_core_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

std::string read(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(AtomicFile, ReplacesTheContentAndLeavesNoTemporary) {
  const fs::path dir = fresh("replace");
  write_file_atomically(dir / "f.txt", "first");
  write_file_atomically(dir / "f.txt", "second");
  EXPECT_EQ(read(dir / "f.txt"), "second");
  int files = 0;
  for (const auto& entry : fs::directory_iterator(dir)) files += entry.is_regular_file();
  EXPECT_EQ(files, 1);
  append_line_durably(dir / "log", "one");
  append_line_durably(dir / "log", "two");
  EXPECT_EQ(read(dir / "log"), "one\ntwo\n");
  fs::remove_all(dir);
}

TEST(AtomicFile, UnwritablePlacesAreNamed) {
  const fs::path dir = fresh("errors");
  try {
    write_file_atomically(dir / "missing" / "f.txt", "x");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("missing/f.txt: cannot write"), std::string::npos) << e.what();
  }
  std::ofstream(dir / "plain") << "x";
  try {
    prepare_output_directory(dir / "plain");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(std::string(e.what()), "--out " + (dir / "plain").string() + ": exists and is not a directory");
  }
  prepare_output_directory(dir / "a" / "b");
  EXPECT_TRUE(fs::is_directory(dir / "a" / "b"));
  fs::remove_all(dir);
}

TEST(DirectoryLock, ASecondLockOnTheSameDirectoryIsRefusedUntilTheFirstIsReleased) {
  const fs::path dir = fresh("lock");
  {
    const DirectoryLock first(dir);
    try {
      const DirectoryLock second(dir);
      FAIL() << "a second lock was granted";
    } catch (const InputError& error) {
      EXPECT_EQ(std::string(error.what()), "--out " + dir.string() +
                                               ": another nce run is writing this directory; wait for it to end or choose "
                                               "another --out");
    }
    // Another process is refused too (the case that matters: two runs given one --out).
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      try {
        const DirectoryLock other(dir);
        ::_exit(0);
      } catch (const InputError&) {
        ::_exit(2);
      }
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2);
  }
  const DirectoryLock again(dir);  // released with the first
  EXPECT_EQ(std::distance(fs::directory_iterator(dir), fs::directory_iterator{}), 0);  // nothing added to it
  fs::remove_all(dir);
}

TEST(DirectoryLock, AMissingDirectoryIsAnInputError) {
  const fs::path dir = fs::temp_directory_path() / ("nce_core_test_no_such_dir_" + std::to_string(::getpid()));
  EXPECT_THROW(DirectoryLock{dir}, InputError);
}

}  // namespace
}  // namespace nce::core
