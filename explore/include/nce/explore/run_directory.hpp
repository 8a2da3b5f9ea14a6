#pragma once
// The run directory of an exploration (docs/EXPLORE.md section 4):
//   spec.json     {"spec": the canonical spec, "hash": its hash, "points": the grid's size}, written
//                 atomically when the directory is first used
//   points.jsonl  one line per finished point (record.hpp), appended and fsync'd before the point
//                 counts as finished (core::append_line_durably; several finished points may go
//                 out in one write), never rewritten except to drop a torn last line
// A rerun of the same spec finds its finished points here and evaluates only the others, so a
// killed run loses only the points that were in flight. A directory holding another spec's
// points is refused (InputError) unless `force`, which sets the old points.jsonl aside as
// points.jsonl.replaced-<old hash> and starts over.
#include <filesystem>
#include <iosfwd>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "nce/core/atomic_file.hpp"
#include "nce/explore/plan.hpp"
#include "nce/explore/record.hpp"

namespace nce::explore {

struct SpecHeader {
  std::string hash;
  nlohmann::json spec;
  std::size_t points = 0;
};
SpecHeader spec_header(const Plan& plan);
// <dir>/spec.json, atomically.
void write_spec_file(const std::filesystem::path& dir, const SpecHeader& header);

// What a run directory holds: its header and its records, one per key (the first line of a key
// wins), in file order. A torn last line is ignored. InputError naming the file on a malformed
// spec.json or a line that is not a record of that spec.
struct RunContents {
  SpecHeader header;
  std::vector<PointRecord> records;
  std::size_t duplicates = 0;  // lines whose key an earlier line already had
  bool torn_tail = false;      // the file ended inside a line
};
RunContents read_run_directory(const std::filesystem::path& dir);

class RunDirectory {
 public:
  // Creates `dir` or checks it against `header`, as above. Messages (a set-aside file, a torn
  // line dropped) go to `log` when given.
  RunDirectory(const std::filesystem::path& dir, const SpecHeader& header, bool force, std::ostream* log);

  const std::filesystem::path& path() const { return dir_; }
  const std::vector<PointRecord>& finished() const { return finished_; }
  // Appends the records' lines in one durable write.
  void append(const std::vector<PointRecord>& records);

 private:
  std::filesystem::path dir_;
  std::unique_ptr<core::DirectoryLock> lock_;  // held while this run writes the directory
  std::vector<PointRecord> finished_;
};

}  // namespace nce::explore
