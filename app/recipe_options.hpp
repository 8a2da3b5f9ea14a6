#pragma once
// The quantization-recipe flags of `nce train` and `nce search` (train::QuantRecipe):
//   --alpha-init fixed|calibrated   --alpha-grad clipped|full   --weight-scale mean|mse
#include <string>

#include "cli.hpp"
#include "nce/train/quantizers.hpp"

namespace nce::app {

class RecipeOptions {
 public:
  void add_to(po::options_description& options);
  train::QuantRecipe resolve() const;  // InputError naming the flag

 private:
  std::string alpha_init_;
  std::string alpha_gradient_;
  std::string weight_scale_;
};

}  // namespace nce::app
