// PYBIND11_MODULE(nce): the import-time set-up and the binders of workloads.cpp, configs.cpp,
// costs.cpp and simulation.cpp.
#include <dlfcn.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "bindings.hpp"
#include "nce/core/input_error.hpp"

namespace {

namespace fs = std::filesystem;

// Any object of this shared object: dladdr names the file it was loaded from.
const int kModuleAnchor = 0;

fs::path module_file() {
  Dl_info info{};
  if (dladdr(&kModuleAnchor, &info) == 0 || info.dli_fname == nullptr) return {};
  std::error_code error;
  const fs::path file = fs::canonical(info.dli_fname, error);
  return error ? fs::path{} : file;
}

// The library looks for its configs next to the running program (default_config_dir), which in
// Python is the interpreter. The module points it at share/nce/configs next to the module file
// or up to three folders above it -- <build>/share/nce/configs for <build>/python/nce.*.so --
// unless $NCE_CONFIG_DIR is already set. Returns the folder in use ("" when none was found; the
// library then tries its install prefix).
std::string set_up_config_dir() {
  if (const char* dir = std::getenv("NCE_CONFIG_DIR"); dir != nullptr && *dir != '\0') return dir;
  fs::path dir = module_file().parent_path();
  for (int up = 0; up < 4 && !dir.empty(); ++up, dir = dir.parent_path()) {
    const fs::path candidate = dir / "share" / "nce" / "configs";
    if (fs::exists(candidate / "default.yaml")) {
      ::setenv("NCE_CONFIG_DIR", candidate.c_str(), 0);
      return candidate.string();
    }
    if (dir == dir.root_path()) break;
  }
  return "";
}

}  // namespace

PYBIND11_MODULE(nce, m) {
  namespace py = pybind11;
  m.doc() =
      "nce: 2-bit MAC arrays priced by a cycle-accurate SystemC model, as cost tables, expected costs with gradients "
      "and simulations (docs/PYTHON.md).";
  // SystemC prints its banner on stdout when the first simulation elaborates; the program's
  // scripts and tests switch it off the same way.
  ::setenv("SC_COPYRIGHT_MESSAGE", "DISABLE", 0);
  set_up_config_dir();

  // Bad input (an unknown layer, a config field out of range, a file that does not parse) is
  // the library's InputError, one line naming the input: nce.InputError, a ValueError.
  py::register_exception<nce::core::InputError>(m, "InputError", PyExc_ValueError);

  m.attr("__version__") = NCE_VERSION;
  m.attr("module_file") = module_file().string();
  m.def(
      "config_dir",
      []() {
        const char* dir = std::getenv("NCE_CONFIG_DIR");
        return dir != nullptr && *dir != '\0' ? std::string(dir) : nce::cost_models::default_config_dir().string();
      },
      "The folder holding default.yaml, the energy presets and the PE cell counts: $NCE_CONFIG_DIR, which the module "
      "sets at import to share/nce/configs next to (or up to three folders above) its own file when unset.");

  nce::python::bind_workloads(m);
  nce::python::bind_configs(m);
  nce::python::bind_costs(m);
  nce::python::bind_simulation(m);
}
