#include "nce/cost_models/dataflow.hpp"

namespace nce::cost_models {

const Dataflow& dataflow_named(std::string_view name) { return DataflowRegistry::get(name, "dataflow"); }

}  // namespace nce::cost_models
