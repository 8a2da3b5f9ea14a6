#pragma once
// The error contract of the whole project: bad input (a malformed file, a flag out of range, a
// layer that fits no buffer, a corrupt checkpoint) is an InputError whose message is one line
// naming the input and the problem. The `nce` program prints it on stderr and exits 2.
#include <stdexcept>
#include <string>

namespace nce::core {

class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace nce::core
