#include "cli.hpp"

#include <fmt/format.h>

#include <iostream>

namespace nce::app {

bool parse(const std::string& usage, const po::options_description& options,
           const po::positional_options_description& positionals, const std::vector<std::string>& args,
           po::variables_map& values) {
  po::options_description all("Options");
  all.add_options()("help,h", "show this help");
  all.add(options);
  try {
    po::store(po::command_line_parser(args).options(all).positional(positionals).run(), values);
    if (values.count("help")) {
      std::cout << usage << "\n\n" << all << "\n";
      return false;
    }
    po::notify(values);
  } catch (const po::error& error) {
    throw UsageError(error.what());
  }
  return true;
}

}  // namespace nce::app
