// Cost tables and expected costs: nce.cost_table (the tables of `nce cost-table`),
// nce.ExpectedCost (the width search's expected cost and gradient, search/expected_cost.hpp),
// nce.PrecisionCost (the precision search's, docs/NCE.md section 10) and nce.layer_cost.
#include <pybind11/eigen.h>
#include <pybind11/numpy.h>
#include <pybind11/stl.h>
#include <pybind11/stl/filesystem.h>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "bindings.hpp"
#include "nce/core/input_error.hpp"
#include "nce/core/lists.hpp"
#include "nce/core/softmax.hpp"
#include "nce/cost_models/cost_model.hpp"
#include "nce/cost_models/cost_table.hpp"
#include "nce/search/expected_cost.hpp"
#include "nce/search/supernet_search.hpp"

namespace nce::python {

namespace {

using cost_models::CostMetric;

constexpr std::size_t kNoLayer = std::numeric_limits<std::size_t>::max();

// Every searchable conv/fc layer's candidates for uniform multipliers (the program's --widths).
std::map<std::string, std::vector<int>> multiplier_candidates(const workloads::Workload& workload,
                                                              const std::vector<double>& multipliers) {
  for (double m : multipliers) {
    if (!(m > 0) || !std::isfinite(m)) throw core::InputError(fmt::format("widths: multiplier {} is not positive", m));
  }
  return cost_models::multiplier_candidates(workload, analyze(workload), multipliers);
}

// Width candidates: None (base widths), "tas" (TAS's ratios, the search's initial space), a
// --widths string, a list of multipliers or a dict {layer: [widths]}.
std::map<std::string, std::vector<int>> candidates_arg(const workloads::Workload& workload, const py::handle& value) {
  if (value.is_none()) return multiplier_candidates(workload, {1.0});
  if (py::isinstance<py::dict>(value)) return value.cast<std::map<std::string, std::vector<int>>>();
  if (py::isinstance<py::str>(value)) {
    const std::string text = value.cast<std::string>();
    if (text == "tas") return search::initial_candidates(workload, 1.0);
    return multiplier_candidates(workload, core::parse_multipliers(text, "widths"));
  }
  return multiplier_candidates(workload, value.cast<std::vector<double>>());
}

std::unique_ptr<cost_models::CostModel> model_arg(const std::string& name, std::uint64_t seed) {
  return cost_models::make_cost_model(name, cost_models::CostModelOptions{seed});
}

// A built table and what it was built with.
struct Table {
  cost_models::CostTable table;
  cost_models::CostTableBuildStats stats;
  cost_models::AcceleratorConfig config;
};

Table build_table(const workloads::Workload& workload, std::vector<cost_models::LayerTableSpec> specs,
                  const cost_models::AcceleratorConfig& config, const std::string& model_name,
                  const std::optional<std::filesystem::path>& cache, std::uint64_t seed) {
  const std::unique_ptr<cost_models::CostModel> model = model_arg(model_name, seed);
  Table out;
  out.config = config;
  py::gil_scoped_release release;
  out.table = cost_models::build_cost_table(workload.name, std::move(specs), *model, config, cache, &out.stats);
  return out;
}

// The entries of one layer table at one precision as an (in widths x out widths) array.
template <typename T, typename Get>
py::array_t<T> grid(const cost_models::LayerCostTable& l, std::size_t precision, Get get) {
  if (precision >= l.precisions.size()) {
    throw core::InputError(
        fmt::format("table '{}': precision index {} of {} precisions", l.name, precision, l.precisions.size()));
  }
  py::array_t<T> out({py::ssize_t(l.in_widths.size()), py::ssize_t(l.out_widths.size())});
  auto view = out.template mutable_unchecked<2>();
  for (std::size_t i = 0; i < l.in_widths.size(); ++i) {
    for (std::size_t j = 0; j < l.out_widths.size(); ++j) view(py::ssize_t(i), py::ssize_t(j)) = get(l.at(i, j, precision));
  }
  return out;
}

py::dict stats_of(const cost_models::CostTableBuildStats& s) {
  return py::dict(py::arg("entries") = s.entries, py::arg("evaluated") = s.evaluated, py::arg("from_cache") = s.from_cache,
                  py::arg("seconds") = s.seconds, py::arg("threads") = s.threads);
}

// The table as `nce cost-table --out F.json` writes it (precision 0), config as YAML text.
py::dict table_dict(const Table& t) {
  py::dict d;
  d["workload"] = t.table.workload;
  d["model"] = t.table.model;
  d["config"] = cost_models::accelerator_config_to_yaml(t.config);
  py::list layers;
  for (const cost_models::LayerCostTable& l : t.table.layers) {
    py::dict layer;
    layer["name"] = l.name;
    layer["index"] = l.layer;
    layer["in_widths"] = l.in_widths;
    layer["out_widths"] = l.out_widths;
    std::vector<std::vector<std::int64_t>> macs, params, cycles;
    std::vector<std::vector<double>> energy;
    for (std::size_t i = 0; i < l.in_widths.size(); ++i) {
      macs.emplace_back();
      params.emplace_back();
      cycles.emplace_back();
      energy.emplace_back();
      for (std::size_t j = 0; j < l.out_widths.size(); ++j) {
        const cost_models::CostEntry& e = l.at(i, j);
        macs.back().push_back(e.macs);
        params.back().push_back(e.params);
        cycles.back().push_back(e.cycles);
        energy.back().push_back(e.energy_pj);
      }
    }
    layer["macs"] = macs;
    layer["params"] = params;
    layer["cycles"] = cycles;
    layer["energy_pj"] = energy;
    layers.append(layer);
  }
  d["layers"] = layers;
  return d;
}

// Per-decision vectors from a list (in decision order) or a dict {layer: vector}.
std::vector<Eigen::VectorXd> vectors_arg(const py::handle& value, const std::vector<std::string>& layers,
                                         const char* what) {
  std::vector<Eigen::VectorXd> out;
  if (py::isinstance<py::dict>(value)) {
    const py::dict d = value.cast<py::dict>();
    for (const std::string& layer : layers) {
      if (!d.contains(layer)) throw core::InputError(fmt::format("{}: no entry for layer '{}'", what, layer));
      out.push_back(py::cast<Eigen::VectorXd>(d[layer.c_str()]));
    }
    if (d.size() != layers.size()) {
      throw core::InputError(fmt::format("{}: {} entries for {} layers ({})", what, d.size(), layers.size(),
                                         fmt::join(layers, ", ")));
    }
    return out;
  }
  for (const py::handle item : value) out.push_back(py::cast<Eigen::VectorXd>(item));
  if (out.size() != layers.size()) {
    throw core::InputError(fmt::format("{}: {} vectors for {} layers ({})", what, out.size(), layers.size(),
                                       fmt::join(layers, ", ")));
  }
  return out;
}

// The expected cost of a width search space (search::ExpectedCost over the cost tables that
// search::expected_cost builds for `nce search`).
class WidthCost {
 public:
  WidthCost(const workloads::Workload& workload, const cost_models::AcceleratorConfig& config,
            std::map<std::string, std::vector<int>> candidates, CostMetric metric, const std::string& model,
            search::JoinMode join, const std::optional<std::filesystem::path>& cache, std::uint64_t seed)
      : metric_(metric),
        binding_(search::bind_widths(workload, candidates, join)),
        table_(build_table(workload, search::table_specs(workload, binding_), config, model, cache, seed)),
        cost_(binding_.decisions, search::cost_terms(table_.table, binding_, metric)) {
    for (const search::WidthDecision& d : binding_.decisions) layers_.push_back(d.layer);
  }

  const std::vector<std::string>& layers() const { return layers_; }
  std::map<std::string, std::vector<int>> widths() const {
    std::map<std::string, std::vector<int>> out;
    for (const search::WidthDecision& d : binding_.decisions) out[d.layer] = d.widths;
    return out;
  }
  const Table& table() const { return table_; }
  CostMetric metric() const { return metric_; }
  search::JoinMode join() const { return binding_.join; }

  py::tuple evaluate(const py::handle& probabilities, bool logits) const {
    const std::vector<Eigen::VectorXd> v = vectors_arg(probabilities, layers_, logits ? "logits" : "probabilities");
    const search::ExpectedCostResult r = logits ? cost_.evaluate_logits(v) : cost_.evaluate(v);
    return py::make_tuple(r.value, py::cast(r.gradient));
  }

  double cost_of(const py::handle& choice) const {
    std::vector<int> indices;
    if (py::isinstance<py::dict>(choice)) {
      const auto widths = choice.cast<std::map<std::string, int>>();
      for (const search::WidthDecision& d : binding_.decisions) {
        const auto found = widths.find(d.layer);
        if (found == widths.end()) throw core::InputError(fmt::format("cost_of: no width for layer '{}'", d.layer));
        const auto at = std::find(d.widths.begin(), d.widths.end(), found->second);
        if (at == d.widths.end()) {
          throw core::InputError(fmt::format("cost_of: {} is not a candidate of '{}' ({})", found->second, d.layer,
                                             fmt::join(d.widths, ",")));
        }
        indices.push_back(int(at - d.widths.begin()));
      }
      if (widths.size() != binding_.decisions.size()) {
        throw core::InputError(fmt::format("cost_of: {} widths for {} layers", widths.size(), binding_.decisions.size()));
      }
    } else {
      indices = choice.cast<std::vector<int>>();
      if (indices.size() != binding_.decisions.size()) {
        throw core::InputError(fmt::format("cost_of: {} indices for {} layers", indices.size(), binding_.decisions.size()));
      }
      for (std::size_t d = 0; d < indices.size(); ++d) {
        if (indices[d] < 0 || std::size_t(indices[d]) >= binding_.decisions[d].widths.size()) {
          throw core::InputError(fmt::format("cost_of: index {} out of range for '{}' ({} candidates)", indices[d],
                                             binding_.decisions[d].layer, binding_.decisions[d].widths.size()));
        }
      }
    }
    return cost_.cost_of(indices);
  }

 private:
  CostMetric metric_;
  search::WidthBinding binding_;
  Table table_;
  search::ExpectedCost cost_;
  std::vector<std::string> layers_;
};

// The precision search's expected cost (search/include/nce/search/precision_search.hpp):
// E = fixed + sum_l sum_ij p_li q_lj T_l[w_i][a_j], with T_l the cost of searchable layer l at
// weight width bits[i] and activation width bits[j] from the cost tables' precision axis, built
// as the ebs method builds them, and `fixed` the other conv/fc layers at their own precision.
class BitCost {
 public:
  BitCost(const workloads::Workload& workload, const cost_models::AcceleratorConfig& config, std::vector<int> bits,
          CostMetric metric, const std::string& model, const std::optional<std::filesystem::path>& cache,
          std::uint64_t seed)
      : bits_(std::move(bits)), metric_(metric) {
    if (bits_.empty()) throw core::InputError("precision cost: no bit-width candidates");
    for (int b : bits_) {
      if (b < 2 || b > 8) throw core::InputError(fmt::format("precision cost: bit widths must lie in [2, 8], got {}", b));
    }
    std::vector<workloads::Precision> pairs;
    for (int w : bits_) {
      for (int a : bits_) pairs.push_back({w, a});
    }
    const std::vector<workloads::LayerInfo> infos = analyze(workload);
    std::vector<cost_models::LayerTableSpec> specs;
    std::vector<bool> searched;
    for (std::size_t i = 0; i < workload.layers.size(); ++i) {
      const workloads::Layer& layer = workload.layers[i];
      if (!layer.has_weights()) continue;
      const bool mixed = layer.searchable;
      specs.push_back(cost_models::layer_table_spec(workload, infos, i, {infos[i].in.channels}, {infos[i].out.channels},
                                                    mixed ? pairs : std::vector<workloads::Precision>{}));
      searched.push_back(mixed);
      if (mixed) {
        layers_.push_back(layer.name);
        own_.push_back(layer.precision);
      }
    }
    if (layers_.empty()) throw core::InputError(fmt::format("workload '{}' has no searchable layer", workload.name));
    table_ = build_table(workload, std::move(specs), config, model, cache, seed);
    const auto n = Eigen::Index(bits_.size());
    for (std::size_t t = 0; t < table_.table.layers.size(); ++t) {
      const cost_models::LayerCostTable& l = table_.table.layers[t];
      if (!searched[t]) {
        fixed_ += l.at(0, 0).metric(metric_);
        continue;
      }
      Eigen::MatrixXd m(n, n);
      for (Eigen::Index i = 0; i < n; ++i) {
        for (Eigen::Index j = 0; j < n; ++j) m(i, j) = l.at(0, 0, std::size_t(i * n + j)).metric(metric_);
      }
      tables_.push_back(std::move(m));
    }
  }

  const std::vector<std::string>& layers() const { return layers_; }
  const std::vector<int>& bits() const { return bits_; }
  double fixed_cost() const { return fixed_; }
  const Table& table() const { return table_; }
  CostMetric metric() const { return metric_; }
  std::map<std::string, Eigen::MatrixXd> tables() const {
    std::map<std::string, Eigen::MatrixXd> out;
    for (std::size_t c = 0; c < layers_.size(); ++c) out[layers_[c]] = tables_[c];
    return out;
  }

  // (value, dE/dp per layer, dE/dq per layer).
  py::tuple evaluate(const py::handle& weight, const py::handle& act) const {
    const std::vector<Eigen::VectorXd> p = vectors_arg(weight, layers_, "weight-bit probabilities");
    const std::vector<Eigen::VectorXd> q = vectors_arg(act, layers_, "activation-bit probabilities");
    check_sizes(p, "weight-bit probabilities");
    check_sizes(q, "activation-bit probabilities");
    std::vector<Eigen::VectorXd> dp, dq;
    const double value = expected(p, q, dp, dq);
    return py::make_tuple(value, py::cast(dp), py::cast(dq));
  }

  // With p = softmax(theta_w / tau), q = softmax(theta_a / tau), as the ebs method sets them:
  // the gradient with respect to theta_w and theta_a.
  py::tuple evaluate_logits(const py::handle& theta_w, const py::handle& theta_a, double tau) const {
    if (!(tau > 0)) throw core::InputError(fmt::format("precision cost: tau must be positive, got {}", tau));
    const std::vector<Eigen::VectorXd> tw = vectors_arg(theta_w, layers_, "weight-bit logits");
    const std::vector<Eigen::VectorXd> ta = vectors_arg(theta_a, layers_, "activation-bit logits");
    check_sizes(tw, "weight-bit logits");
    check_sizes(ta, "activation-bit logits");
    auto soft = [tau](const Eigen::VectorXd& theta) {
      const Eigen::VectorXd scaled = theta / tau;
      const std::vector<double> s = core::softmax(std::span<const double>(scaled.data(), std::size_t(scaled.size())));
      return Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(s.data(), Eigen::Index(s.size())));
    };
    std::vector<Eigen::VectorXd> p, q, dp, dq;
    for (const Eigen::VectorXd& t : tw) p.push_back(soft(t));
    for (const Eigen::VectorXd& t : ta) q.push_back(soft(t));
    const double value = expected(p, q, dp, dq);
    // d/dtheta_k = p_k (g_k - p.g) / tau.
    auto chain = [tau](const Eigen::VectorXd& prob, const Eigen::VectorXd& g) {
      return Eigen::VectorXd(prob.cwiseProduct((g.array() - prob.dot(g)).matrix()) / tau);
    };
    for (std::size_t c = 0; c < layers_.size(); ++c) {
      dp[c] = chain(p[c], dp[c]);
      dq[c] = chain(q[c], dq[c]);
    }
    return py::make_tuple(value, py::cast(dp), py::cast(dq));
  }

  // The cost with {layer: (weight_bits, act_bits)} for every searchable layer.
  double cost_of(const std::map<std::string, std::pair<int, int>>& choice) const {
    double total = fixed_;
    for (std::size_t c = 0; c < layers_.size(); ++c) {
      const auto found = choice.find(layers_[c]);
      if (found == choice.end()) throw core::InputError(fmt::format("cost_of: no precision for layer '{}'", layers_[c]));
      total += tables_[c](index_of(found->second.first, layers_[c]), index_of(found->second.second, layers_[c]));
    }
    if (choice.size() != layers_.size()) {
      throw core::InputError(fmt::format("cost_of: {} precisions for {} layers", choice.size(), layers_.size()));
    }
    return total;
  }

  // Every searchable layer at its own precision (the ebs method's F_max).
  double base_cost() const {
    std::map<std::string, std::pair<int, int>> own;
    for (std::size_t c = 0; c < layers_.size(); ++c) own[layers_[c]] = {own_[c].weight_bits, own_[c].act_bits};
    return cost_of(own);
  }

 private:
  void check_sizes(const std::vector<Eigen::VectorXd>& v, const char* what) const {
    for (std::size_t c = 0; c < v.size(); ++c) {
      if (v[c].size() != Eigen::Index(bits_.size())) {
        throw core::InputError(fmt::format("{}: layer '{}' has {} candidates, got {} values", what, layers_[c],
                                           bits_.size(), v[c].size()));
      }
    }
  }

  Eigen::Index index_of(int bits, const std::string& layer) const {
    const auto at = std::find(bits_.begin(), bits_.end(), bits);
    if (at == bits_.end()) {
      throw core::InputError(fmt::format("cost_of: {} bits of '{}' is not a candidate ({})", bits, layer, fmt::join(bits_, ",")));
    }
    return Eigen::Index(at - bits_.begin());
  }

  double expected(const std::vector<Eigen::VectorXd>& p, const std::vector<Eigen::VectorXd>& q,
                  std::vector<Eigen::VectorXd>& dp, std::vector<Eigen::VectorXd>& dq) const {
    double total = fixed_;
    dp.clear();
    dq.clear();
    for (std::size_t c = 0; c < layers_.size(); ++c) {
      const Eigen::VectorXd tq = tables_[c] * q[c];  // dE/dp
      total += p[c].dot(tq);
      dp.push_back(tq);
      dq.push_back(tables_[c].transpose() * p[c]);
    }
    return total;
  }

  std::vector<int> bits_;
  CostMetric metric_;
  std::vector<std::string> layers_;
  std::vector<workloads::Precision> own_;
  std::vector<Eigen::MatrixXd> tables_;
  double fixed_ = 0;
  Table table_;
};

}  // namespace

std::optional<std::filesystem::path> cache_arg(const py::handle& value) {
  if (value.is_none()) return cost_models::default_cost_cache_dir();
  if (py::isinstance<py::bool_>(value)) {
    if (!value.cast<bool>()) return std::nullopt;
    return cost_models::default_cost_cache_dir();
  }
  if (py::isinstance<py::str>(value) && value.cast<std::string>() == "none") return std::nullopt;
  return value.cast<std::filesystem::path>();
}

void bind_costs(py::module_& m) {
  py::class_<cost_models::LayerCostTable>(m, "LayerTable",
                                          "One layer's cost table: entries T[precision][in width][out width].")
      .def_readonly("name", &cost_models::LayerCostTable::name)
      .def_property_readonly("index",
                             [](const cost_models::LayerCostTable& l) -> py::object {
                               return l.layer == kNoLayer ? py::object(py::none()) : py::int_(l.layer);
                             },
                             "the priced layer's index in its workload")
      .def_readonly("in_widths", &cost_models::LayerCostTable::in_widths)
      .def_readonly("out_widths", &cost_models::LayerCostTable::out_widths)
      .def_property_readonly("precisions",
                             [](const cost_models::LayerCostTable& l) {
                               std::vector<std::pair<int, int>> out;
                               for (const workloads::Precision& p : l.precisions) out.emplace_back(p.weight_bits, p.act_bits);
                               return out;
                             },
                             "(weight_bits, act_bits) of each precision index")
      .def(
          "array",
          [](const cost_models::LayerCostTable& l, const std::string& metric, std::size_t precision) {
            const CostMetric which = cost_models::cost_metric_from_string(metric);
            return grid<double>(l, precision, [which](const cost_models::CostEntry& e) { return e.metric(which); });
          },
          py::arg("metric") = "cycles", py::arg("precision") = 0,
          "float64 array [in width][out width] of one metric: macs, params, cycles (latency), energy, bitops")
      .def_property_readonly(
          "cycles", [](const cost_models::LayerCostTable& l) { return grid<std::int64_t>(l, 0, [](const cost_models::CostEntry& e) { return e.cycles; }); })
      .def_property_readonly(
          "macs", [](const cost_models::LayerCostTable& l) { return grid<std::int64_t>(l, 0, [](const cost_models::CostEntry& e) { return e.macs; }); })
      .def_property_readonly(
          "params", [](const cost_models::LayerCostTable& l) { return grid<std::int64_t>(l, 0, [](const cost_models::CostEntry& e) { return e.params; }); })
      .def_property_readonly(
          "bitops", [](const cost_models::LayerCostTable& l) { return grid<std::int64_t>(l, 0, [](const cost_models::CostEntry& e) { return e.bitops; }); })
      .def_property_readonly(
          "energy_pj", [](const cost_models::LayerCostTable& l) { return grid<double>(l, 0, [](const cost_models::CostEntry& e) { return e.energy_pj; }); })
      .def("__repr__", [](const cost_models::LayerCostTable& l) {
        return fmt::format("<nce.LayerTable '{}' {}x{} widths, {} precision(s)>", l.name, l.in_widths.size(),
                           l.out_widths.size(), l.precisions.size());
      });

  py::class_<Table>(m, "CostTable", "Per-layer cost tables of a workload on one accelerator (nce.cost_table).")
      .def_property_readonly("workload", [](const Table& t) { return t.table.workload; })
      .def_property_readonly("model", [](const Table& t) { return t.table.model; })
      .def_readonly("config", &Table::config)
      .def_property_readonly("layers", [](const Table& t) { return t.table.layers; })
      .def_property_readonly("stats", [](const Table& t) { return stats_of(t.stats); },
                             "entries, evaluated (layer variants priced), from_cache, seconds, threads")
      .def(
          "layer",
          [](const Table& t, const std::string& name) {
            for (const cost_models::LayerCostTable& l : t.table.layers) {
              if (l.name == name) return l;
            }
            throw core::InputError(fmt::format("cost table of '{}' has no layer '{}'", t.table.workload, name));
          },
          py::arg("name"))
      .def("to_dict", &table_dict, "The table as `nce cost-table --out F.json` writes it.")
      .def("__len__", [](const Table& t) { return t.table.layers.size(); })
      .def("__repr__", [](const Table& t) {
        return fmt::format("<nce.CostTable '{}', {} layers, model {} on {}x{} {}>", t.table.workload, t.table.layers.size(),
                           t.table.model, t.config.rows, t.config.cols, t.config.dataflow);
      });

  m.def(
      "cost_table",
      [](const py::object& workload_value, const py::object& config_value, const py::object& widths, const std::string& model,
         const std::string& join, const py::object& cache_dir, std::uint64_t seed) {
        const workloads::Workload workload = workload_arg(workload_value);
        const search::WidthBinding binding =
            search::bind_widths(workload, candidates_arg(workload, widths), search::join_mode_from_string(join));
        return build_table(workload, search::table_specs(workload, binding), config_arg(config_value), model,
                           cache_arg(cache_dir), seed);
      },
      py::arg("workload"), py::arg("config") = py::none(), py::arg("widths") = py::none(), py::kw_only(),
      py::arg("model") = "analytical", py::arg("join") = "prefix", py::arg("cache_dir") = py::none(), py::arg("seed") = 1,
      "The per-layer cost tables `nce cost-table` builds: every conv/fc layer over the widths its input and output can "
      "take. widths: None (base widths), 'a:b:step' or 'm1,m2' or a list of multipliers (as --widths), 'tas' (TAS's "
      "candidates) or {layer: [widths]}. model: analytical, simulated, shape. cache_dir: None = the default cache (as "
      "the program), False = none, or a folder.");

  m.def(
      "width_candidates",
      [](const py::object& workload_value, const py::object& widths) {
        const workloads::Workload workload = workload_arg(workload_value);
        return candidates_arg(workload, widths);
      },
      py::arg("workload"), py::arg("widths") = py::none(),
      "{layer: [widths]} of every searchable layer for a widths argument (see cost_table).");

  py::class_<WidthCost>(m, "ExpectedCost",
                        "The expected hardware cost of a channel-width search space and its exact gradient, as `nce "
                        "search` computes it (docs/NCE.md section 3).")
      .def(py::init([](const py::object& workload_value, const py::object& config_value, const py::object& candidates,
                       const std::string& metric, const std::string& model, const std::string& join,
                       const py::object& cache_dir, std::uint64_t seed) {
             const workloads::Workload workload = workload_arg(workload_value);
             return std::make_unique<WidthCost>(workload, config_arg(config_value), candidates_arg(workload, candidates),
                                                cost_models::cost_metric_from_string(metric), model,
                                                search::join_mode_from_string(join), cache_arg(cache_dir), seed);
           }),
           py::arg("workload"), py::arg("config") = py::none(), py::arg("candidates") = py::none(), py::kw_only(),
           py::arg("metric") = "cycles", py::arg("model") = "analytical", py::arg("join") = "prefix",
           py::arg("cache_dir") = py::none(), py::arg("seed") = 1,
           "candidates as cost_table's widths; metric: cycles (latency), energy, macs (flops), params, bitops; join: "
           "prefix, projection-w8a8, projection-w2a2.")
      .def_property_readonly("layers", &WidthCost::layers, "the searchable layers, one width decision each, in order")
      .def_property_readonly("widths", &WidthCost::widths, "{layer: candidate widths}")
      .def_property_readonly("table", &WidthCost::table, "the nce.CostTable the expected cost reads")
      .def_property_readonly("metric", [](const WidthCost& c) { return std::string(cost_models::to_string(c.metric())); })
      .def_property_readonly("join", [](const WidthCost& c) { return std::string(search::to_string(c.join())); })
      .def(
          "evaluate", [](const WidthCost& c, const py::object& p) { return c.evaluate(p, false); }, py::arg("probabilities"),
          "(value, gradient): the expected cost under one probability vector per layer (a list in `layers` order or a "
          "dict) and its gradient with respect to them, a list of float64 arrays.")
      .def(
          "evaluate_logits", [](const WidthCost& c, const py::object& logits) { return c.evaluate(logits, true); },
          py::arg("logits"), "Like evaluate with probabilities = softmax(logits); the gradient is with respect to the logits.")
      .def("cost_of", &WidthCost::cost_of, py::arg("choice"),
           "The cost of one network: a candidate index per layer (list) or {layer: width}.");

  py::class_<BitCost>(m, "PrecisionCost",
                      "The expected hardware cost over per-layer weight and activation bit-width distributions, as the "
                      "precision search (`nce search --method ebs`) prices them, and its gradient.")
      .def(py::init([](const py::object& workload_value, const py::object& config_value, const std::vector<int>& bits,
                       const std::string& metric, const std::string& model, const py::object& cache_dir,
                       std::uint64_t seed) {
             return std::make_unique<BitCost>(workload_arg(workload_value), config_arg(config_value), bits,
                                              cost_models::cost_metric_from_string(metric), model, cache_arg(cache_dir),
                                              seed);
           }),
           py::arg("workload"), py::arg("config") = py::none(), py::arg("bits") = std::vector<int>{2, 3, 4}, py::kw_only(),
           py::arg("metric") = "cycles", py::arg("model") = "analytical", py::arg("cache_dir") = py::none(),
           py::arg("seed") = 1)
      .def_property_readonly("layers", &BitCost::layers, "the searchable layers, in order")
      .def_property_readonly("bits", &BitCost::bits, "the bit-width candidates (weights and activations alike)")
      .def_property_readonly("fixed_cost", &BitCost::fixed_cost, "the other conv/fc layers at their own precision")
      .def_property_readonly("tables", &BitCost::tables, "{layer: T[weight bits index][activation bits index]}")
      .def_property_readonly("table", &BitCost::table, "the nce.CostTable (precision axis) the cost reads")
      .def_property_readonly("metric", [](const BitCost& c) { return std::string(cost_models::to_string(c.metric())); })
      .def("evaluate", &BitCost::evaluate, py::arg("weight_probabilities"), py::arg("act_probabilities"),
           "(value, d/dp, d/dq) for p (weight bits) and q (activation bits) per layer.")
      .def("evaluate_logits", &BitCost::evaluate_logits, py::arg("weight_logits"), py::arg("act_logits"),
           py::arg("tau") = 1.0, "Like evaluate with p = softmax(theta_w / tau), q = softmax(theta_a / tau).")
      .def("cost_of", &BitCost::cost_of, py::arg("choice"), "The cost with {layer: (weight_bits, act_bits)}.")
      .def("base_cost", &BitCost::base_cost, "The cost with every layer at its own precision.");

  m.def(
      "tas_candidates",
      [](const py::object& workload_value, double space_multiplier) {
        return search::initial_candidates(workload_arg(workload_value), space_multiplier);
      },
      py::arg("workload"), py::arg("space_multiplier") = 1.0,
      "TAS's candidate widths of every searchable layer (the search's initial space).");

  m.def(
      "layer_cost",
      [](const py::object& workload_value, const std::string& layer_name, const py::object& config_value,
         const py::object& in_channels, const py::object& out_channels, const py::object& weight_bits,
         const py::object& act_bits, const std::string& model_name, std::uint64_t seed) {
        const workloads::Workload workload = workload_arg(workload_value);
        const cost_models::AcceleratorConfig config = config_arg(config_value);
        const std::vector<workloads::LayerInfo> infos = analyze(workload);
        std::size_t at = workload.layers.size();
        for (std::size_t i = 0; i < workload.layers.size(); ++i) {
          if (workload.layers[i].name == layer_name) at = i;
        }
        if (at == workload.layers.size()) {
          throw core::InputError(fmt::format("workload '{}' has no layer '{}'", workload.name, layer_name));
        }
        if (!workload.layers[at].has_weights()) throw core::InputError(fmt::format("'{}' is not a conv/fc layer", layer_name));
        const cost_models::LayerTableSpec spec = cost_models::layer_table_spec(workload, infos, at, {}, {});
        workloads::Precision precision = workload.layers[at].precision;
        if (!weight_bits.is_none()) precision.weight_bits = weight_bits.cast<int>();
        if (!act_bits.is_none()) precision.act_bits = act_bits.cast<int>();
        const int in = in_channels.is_none() ? infos[at].in.channels : in_channels.cast<int>();
        const int out = out_channels.is_none() ? infos[at].out.channels : out_channels.cast<int>();
        if (in < 1 || out < 1) throw core::InputError(fmt::format("layer_cost: channels must be at least 1, got {}x{}", in, out));
        const auto [layer, info] = cost_models::layer_variant(spec, in, out, precision);
        const std::unique_ptr<cost_models::CostModel> model = model_arg(model_name, seed);
        cost_models::LayerStats stats;
        {
          py::gil_scoped_release release;
          stats = model->evaluate(layer, info, config);
        }
        return stats_dict(stats, config);
      },
      py::arg("workload"), py::arg("layer"), py::arg("config") = py::none(), py::kw_only(),
      py::arg("in_channels") = py::none(), py::arg("out_channels") = py::none(), py::arg("weight_bits") = py::none(),
      py::arg("act_bits") = py::none(), py::arg("model") = "analytical", py::arg("seed") = 1,
      "One conv/fc layer's statistics (a dict as in nce.simulate) at other channel counts or precision, priced by a cost "
      "model (the cells of a cost table).");
}

}  // namespace nce::python
