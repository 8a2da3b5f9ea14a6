#include "nce/explore/run_directory.hpp"

#include <fmt/format.h>

#include <fstream>
#include <ostream>
#include <set>
#include <sstream>

#include "nce/core/atomic_file.hpp"
#include "nce/core/input_error.hpp"

namespace nce::explore {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::InputError(fmt::format("{}: cannot read", path.string()));
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

SpecHeader read_header(const fs::path& file) {
  try {
    const nlohmann::json json = nlohmann::json::parse(read_text(file));
    return {json.at("hash").get<std::string>(), json.at("spec"), json.at("points").get<std::size_t>()};
  } catch (const nlohmann::json::exception& error) {
    throw core::InputError(fmt::format("{}: not an nce explore spec ({})", file.string(), error.what()));
  }
}

}  // namespace

void write_spec_file(const fs::path& dir, const SpecHeader& header) {
  const nlohmann::json json = {{"hash", header.hash}, {"points", header.points}, {"spec", header.spec}, {"format", "nce explore 1"}};
  core::write_file_atomically(dir / "spec.json", json.dump(1) + "\n");
}

SpecHeader spec_header(const Plan& plan) { return {plan.hash, to_json(plan.spec), plan.points.size()}; }

RunContents read_run_directory(const fs::path& dir) {
  RunContents contents;
  const fs::path spec_file = dir / "spec.json";
  if (!fs::exists(spec_file)) throw core::InputError(fmt::format("{}: no spec.json (not an nce explore directory)", dir.string()));
  contents.header = read_header(spec_file);
  const fs::path points = dir / "points.jsonl";
  if (!fs::exists(points)) return contents;
  const std::string text = read_text(points);
  std::set<std::string> keys;
  std::size_t begin = 0, line_no = 0;
  while (begin < text.size()) {
    const std::size_t end = text.find('\n', begin);
    ++line_no;
    if (end == std::string::npos) {  // a write cut short: the point did not finish
      contents.torn_tail = true;
      break;
    }
    const std::string line = text.substr(begin, end - begin);
    begin = end + 1;
    if (line.empty()) continue;
    const std::string where = fmt::format("{}:{}", points.string(), line_no);
    nlohmann::json json;
    try {
      json = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      throw core::InputError(fmt::format("{}: not a JSON line", where));
    }
    PointRecord record = record_from_json(json, where);
    if (record.spec != contents.header.hash) {
      throw core::InputError(fmt::format("{}: a point of spec {}, but spec.json says {}", where, record.spec,
                                         contents.header.hash));
    }
    if (!keys.insert(record.key).second) {
      ++contents.duplicates;
      continue;
    }
    contents.records.push_back(std::move(record));
  }
  return contents;
}

RunDirectory::RunDirectory(const fs::path& dir, const SpecHeader& header, bool force, std::ostream* log) : dir_(dir) {
  core::prepare_output_directory(dir);
  lock_ = std::make_unique<core::DirectoryLock>(dir);  // before reading: a second run would race this one
  const fs::path spec_file = dir / "spec.json";
  const fs::path points = dir / "points.jsonl";
  if (fs::exists(spec_file)) {
    const SpecHeader existing = read_header(spec_file);
    if (existing.hash != header.hash) {
      if (!force) {
        throw core::InputError(fmt::format(
            "--out {} holds the points of another spec (hash {}, this one {}); use --force to set them aside, or "
            "another --out",
            dir.string(), existing.hash, header.hash));
      }
      if (fs::exists(points)) {
        const fs::path aside = dir / fmt::format("points.jsonl.replaced-{}", existing.hash);
        fs::rename(points, aside);
        if (log) *log << fmt::format("explore: --force: the other spec's points moved to {}\n", aside.string());
      }
      write_spec_file(dir, header);
    }
  } else {
    if (fs::exists(points)) {
      throw core::InputError(fmt::format("--out {}: points.jsonl without spec.json; remove it or use another --out",
                                         dir.string()));
    }
    write_spec_file(dir, header);
  }
  RunContents contents = read_run_directory(dir);
  if (contents.torn_tail) {
    // Keep the complete lines only, so the next append starts on a line of its own.
    std::string kept;
    const std::string text = read_text(points);
    kept = text.substr(0, text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    core::write_file_atomically(points, kept);
    if (log) *log << fmt::format("explore: {}: dropped a torn last line (a point cut short)\n", points.string());
  }
  finished_ = std::move(contents.records);
}

void RunDirectory::append(const std::vector<PointRecord>& records) {
  if (records.empty()) return;
  std::string lines;
  for (const PointRecord& r : records) lines += to_json(r).dump() + "\n";
  lines.pop_back();  // append_line_durably ends the last line
  core::append_line_durably(dir_ / "points.jsonl", lines);
  finished_.insert(finished_.end(), records.begin(), records.end());
}

}  // namespace nce::explore
