#include "recipe_options.hpp"

namespace nce::app {

void RecipeOptions::add_to(po::options_description& options) {
  const train::QuantRecipe defaults;
  const std::string text = train::to_string(defaults);  // "alpha-init=X alpha-grad=Y weight-scale=Z"
  auto value_of = [&](const std::string& key) {
    const auto at = text.find(key + "=") + key.size() + 1;
    return text.substr(at, text.find(' ', at) - at);
  };
  options.add_options()("alpha-init", po::value(&alpha_init_)->default_value(value_of("alpha-init")),
                        "PACT alpha at the start: fixed (8) or calibrated (the least-error clip of the first batch)")(
      "alpha-grad", po::value(&alpha_gradient_)->default_value(value_of("alpha-grad")),
      "PACT alpha gradient: clipped (PACT's, 1 where x > alpha) or full (straight-through also inside the range)")(
      "weight-scale", po::value(&weight_scale_)->default_value(value_of("weight-scale")),
      "2-bit weight scale: mean (2 mean|w| / 2^(b-1)) or mse (the least-error scale, each step)");
}

train::QuantRecipe RecipeOptions::resolve() const {
  train::QuantRecipe recipe;
  recipe.alpha_init = train::alpha_init_from_string(alpha_init_);
  recipe.alpha_gradient = train::alpha_gradient_from_string(alpha_gradient_);
  recipe.weight_scale = train::weight_scale_from_string(weight_scale_);
  return recipe;
}

}  // namespace nce::app
