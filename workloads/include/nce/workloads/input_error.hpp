#pragma once
// Bad user input (files, flags, shapes). The CLI turns it into one line on stderr and exit 2.
#include <stdexcept>
#include <string>

namespace nce {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nce
