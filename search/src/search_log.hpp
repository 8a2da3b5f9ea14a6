#pragma once
// search.jsonl, a search's log: one JSON object per finished epoch, appended durably as the epoch
// ends (docs/NCE.md). Both searches (supernet_search.cpp, precision_search.cpp) write it and, on
// --resume, read back the epochs their checkpoint holds, through these two functions.
#include <filesystem>
#include <string>
#include <vector>

#include "nce/search/search_method.hpp"

namespace nce::search {

// One epoch as one line of JSON (no newline).
std::string epoch_log_line(const SearchEpoch& epoch);

// The first `count` epochs of the log at `path`, blank lines skipped (fewer if the log has fewer).
// A line that is not an epoch's object is an InputError naming the file and the line.
std::vector<SearchEpoch> read_epoch_log(const std::filesystem::path& path, int count);

}  // namespace nce::search
