#include "nce/search/supernet.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <set>
#include <stdexcept>

#include "nce/core/input_error.hpp"
#include "nce/core/softmax.hpp"

namespace nce::search {

void cwi_forward(const train::Tensor& in, int channels, train::Tensor& out) {
  out.resize(in.n, channels, in.h, in.w);
  const std::size_t plane = std::size_t(in.h) * in.w;
  const int from = in.c;
#pragma omp parallel for schedule(static) if (out.size() > train::kParallelElements)
  for (int i = 0; i < in.n; ++i) {
    const float* x = in.image(i);
    float* y = out.image(i);
    for (int k = 0; k < channels; ++k) {
      const int lo = int((std::int64_t(k) * from) / channels);
      const int hi = int((std::int64_t(k + 1) * from + channels - 1) / channels) - 1;  // ceil - 1
      const float inv = 1.0f / float(hi - lo + 1);
      float* dst = y + std::size_t(k) * plane;
      std::fill(dst, dst + plane, 0.0f);
      for (int j = lo; j <= hi; ++j) {
        const float* src = x + std::size_t(j) * plane;
        for (std::size_t p = 0; p < plane; ++p) dst[p] += src[p] * inv;
      }
    }
  }
}

void cwi_backward(const train::Tensor& dout, int in_channels, train::Tensor& din) {
  din.resize(dout.n, in_channels, dout.h, dout.w);
  const std::size_t plane = std::size_t(dout.h) * dout.w;
  const int to = dout.c;
#pragma omp parallel for schedule(static) if (dout.size() > train::kParallelElements)
  for (int i = 0; i < dout.n; ++i) {
    const float* g = dout.image(i);
    float* d = din.image(i);
    std::fill(d, d + din.image_size(), 0.0f);
    for (int k = 0; k < to; ++k) {
      const int lo = int((std::int64_t(k) * in_channels) / to);
      const int hi = int((std::int64_t(k + 1) * in_channels + to - 1) / to) - 1;
      const float inv = 1.0f / float(hi - lo + 1);
      const float* src = g + std::size_t(k) * plane;
      for (int j = lo; j <= hi; ++j) {
        float* dst = d + std::size_t(j) * plane;
        for (std::size_t p = 0; p < plane; ++p) dst[p] += src[p] * inv;
      }
    }
  }
}

std::vector<int> tas_candidates(int width) {
  // TAS's default channel ratios 0.3, 0.4, ..., 1.0 (docs/NCE.md section 2, n = 8).
  std::vector<int> out;
  for (int r = 3; r <= 10; ++r) {
    const int c = std::max(1, int(std::lround(double(width) * r / 10.0)));
    if (out.empty() || out.back() != c) out.push_back(c);
  }
  return out;
}

struct Supernet::Node {
  workloads::Layer layer;
  std::vector<int> inputs;  // node indices, -1 = network input
  bool searchable = false;
  std::vector<int> widths;  // candidate output widths (conv/fc); one entry when fixed
  train::Parameter theta;
  std::unique_ptr<train::PactQuantizer> pact;
  std::unique_ptr<train::Conv2d> conv;
  std::vector<std::unique_ptr<train::BatchNorm2d>> bns;  // one per candidate width (TAS)
  std::unique_ptr<train::Pool2d> pool;

  // Forward state.
  std::vector<int> picked;
  std::vector<float> mix_weights;
  std::vector<double> probs;  // softmax(theta) of the last gumbel forward
  train::Tensor quant_in, conv_out, mix, sum, out;
  train::Tensor slice[2], normed[2], aligned[2];
  const train::Tensor* result = nullptr;
  train::Tensor grad;
  bool has_grad = false;
  train::Tensor dmix, dconv, dscaled, dnormed, dslice, din, dpact;
};

namespace {

bool low_precision(const workloads::Layer& layer) { return layer.searchable || layer.precision.weight_bits == 2; }

std::unique_ptr<train::Conv2d> make_conv(const workloads::Layer& layer, int in_channels, int out_channels, int bits,
                                         train::QuantRecipe::WeightScale scale) {
  train::ConvShape shape;
  shape.in_channels = in_channels;
  shape.out_channels = out_channels;
  shape.kernel = layer.type == workloads::LayerType::fc ? 1 : layer.kernel_h;
  shape.stride = layer.type == workloads::LayerType::fc ? 1 : layer.stride;
  shape.padding = layer.type == workloads::LayerType::fc ? 0 : layer.padding;
  return std::make_unique<train::Conv2d>(layer.name, shape, bits, layer.bias, scale);
}

}  // namespace

Supernet::Supernet(const workloads::Workload& workload, const std::map<std::string, std::vector<int>>& candidates,
                   std::uint64_t seed, int low_bits, train::QuantRecipe recipe)
    : workload_(workload), recipe_(recipe) {
  const std::vector<workloads::LayerInfo> infos = analyze(workload_);
  for (const auto& [name, list] : candidates) {
    const workloads::Layer& layer = workload_.layer(name);
    if (!layer.searchable) throw core::InputError(fmt::format("layer '{}' is not searchable", name));
    if (list.empty() || !std::is_sorted(list.begin(), list.end()) ||
        std::adjacent_find(list.begin(), list.end()) != list.end() || list.front() <= 0) {
      throw core::InputError(fmt::format("layer '{}': candidate widths must be positive and strictly ascending", name));
    }
  }
  train::Rng rng(train::derive_seed(seed, 0x5e4e7));
  std::map<std::string, int> index;
  for (std::size_t i = 0; i < workload_.layers.size(); ++i) {
    const workloads::Layer& layer = workload_.layers[i];
    auto node = std::make_unique<Node>();
    node->layer = layer;
    for (const std::string& in : layer.inputs) node->inputs.push_back(index.at(in));
    if (node->inputs.empty()) node->inputs.push_back(-1);
    index[layer.name] = int(i);
    nodes_.push_back(std::move(node));
    Node& n = *nodes_.back();
    if (layer.has_weights()) {
      const auto found = candidates.find(layer.name);
      n.searchable = found != candidates.end();
      n.widths = n.searchable ? found->second : std::vector<int>{layer.out_channels};
      if (layer.type == workloads::LayerType::fc && (infos[i].in.height != 1 || infos[i].in.width != 1)) {
        throw core::InputError(fmt::format("layer '{}': the supernet needs an fc after global pooling", layer.name));
      }
      int bits = layer.precision.weight_bits;
      int act = layer.precision.act_bits;
      if (low_bits > 0 && low_precision(layer)) bits = act = low_bits;
      n.conv = make_conv(layer, max_width(n.inputs[0]), n.widths.back(), bits, recipe_.weight_scale);
      n.conv->init(rng);
      if (n.inputs[0] >= 0) {
        n.pact = std::make_unique<train::PactQuantizer>(layer.name + ".pact", act, recipe_.alpha_gradient);
      }
      if (layer.batch_norm) {
        for (int w : n.widths) n.bns.push_back(std::make_unique<train::BatchNorm2d>(fmt::format("{}.bn.w{}", layer.name, w), w));
      }
      if (n.searchable) {
        // TAS initialises the logits from N(0, 0.01) (docs/NCE.md section 2); 0.01 as the std.
        n.theta = train::Parameter(layer.name + ".theta", n.widths.size(), 0.0f);
        for (float& t : n.theta.value) t = float(0.01 * rng.normal());
      }
    } else if (layer.type == workloads::LayerType::pool) {
      train::PoolShape shape;
      shape.kind = layer.pool == workloads::PoolType::max ? train::PoolKind::max
                   : layer.pool == workloads::PoolType::avg ? train::PoolKind::avg
                                                 : train::PoolKind::global_avg;
      shape.kernel = layer.kernel_h;
      shape.stride = layer.stride;
      shape.padding = layer.padding;
      n.pool = std::make_unique<train::Pool2d>(shape);
    }
  }
}

Supernet::~Supernet() = default;

int Supernet::max_width(int index) const {
  if (index < 0) return workload_.input.channels;
  const Node& n = *nodes_[std::size_t(index)];
  if (n.conv) return n.widths.back();
  int width = 0;
  for (int in : n.inputs) width = std::max(width, max_width(in));
  return width;
}

Supernet::Node& Supernet::node(const std::string& layer) {
  for (auto& n : nodes_) {
    if (n->layer.name == layer) return *n;
  }
  throw std::out_of_range("supernet: no layer " + layer);
}
const Supernet::Node& Supernet::node(const std::string& layer) const {
  for (const auto& n : nodes_) {
    if (n->layer.name == layer) return *n;
  }
  throw std::out_of_range("supernet: no layer " + layer);
}

const train::Tensor& Supernet::input_of(const Node& n, std::size_t which) const {
  const int in = n.inputs[which];
  return in < 0 ? *input_ : *nodes_[std::size_t(in)]->result;
}

std::vector<std::string> Supernet::searchable() const {
  std::vector<std::string> out;
  for (const auto& n : nodes_) {
    if (n->searchable) out.push_back(n->layer.name);
  }
  return out;
}
const std::vector<int>& Supernet::widths(const std::string& layer) const { return node(layer).widths; }
train::Parameter& Supernet::theta(const std::string& layer) { return node(layer).theta; }
std::map<std::string, std::vector<int>> Supernet::candidates() const {
  std::map<std::string, std::vector<int>> out;
  for (const auto& n : nodes_) {
    if (n->searchable) out[n->layer.name] = n->widths;
  }
  return out;
}

std::vector<train::Parameter*> Supernet::weight_parameters() {
  std::vector<train::Parameter*> out;
  for (auto& n : nodes_) {
    if (n->pact) out.push_back(&n->pact->alpha_parameter());
    if (n->conv) {
      out.push_back(&n->conv->weight);
      if (!n->conv->bias.value.empty()) out.push_back(&n->conv->bias);
    }
    for (auto& bn : n->bns) {
      out.push_back(&bn->gamma);
      out.push_back(&bn->beta);
    }
  }
  return out;
}

std::vector<train::Parameter*> Supernet::arch_parameters() {
  std::vector<train::Parameter*> out;
  for (auto& n : nodes_) {
    if (n->searchable) out.push_back(&n->theta);
  }
  return out;
}

std::vector<train::Buffer> Supernet::buffers() {
  std::vector<train::Buffer> out;
  for (auto& n : nodes_) {
    for (auto& bn : n->bns) {
      out.push_back({bn->gamma.name + ".running_mean", &bn->running_mean});
      out.push_back({bn->gamma.name + ".running_var", &bn->running_var});
    }
  }
  return out;
}

void Supernet::zero_grad() {
  for (train::Parameter* p : weight_parameters()) p->zero_grad();
  for (train::Parameter* p : arch_parameters()) p->zero_grad();
}

void Supernet::after_step() {
  for (auto& n : nodes_) {
    if (n->pact) n->pact->clamp_alpha();
  }
}

void Supernet::calibrate(const train::Tensor& images) {
  for (auto& n : nodes_) {
    if (n->pact) n->pact->calibrate_on_next_forward();
  }
  forward(images, true, SampleMode::argmax, tau_, nullptr);
}

const train::Tensor& Supernet::forward(const train::Tensor& input, bool training, SampleMode mode, double tau, train::Rng* rng) {
  input_ = &input;
  gumbel_ = mode == SampleMode::gumbel;
  tau_ = tau;
  for (auto& n : nodes_) {
    n->has_grad = false;
    Node& cur = *n;
    switch (cur.layer.type) {
      case workloads::LayerType::conv:
      case workloads::LayerType::fc:
        forward_weighted(cur, training, mode, tau, rng);
        break;
      case workloads::LayerType::pool:
        cur.pool->forward(input_of(cur, 0), cur.out);
        cur.result = &cur.out;
        break;
      case workloads::LayerType::add:
        // Different widths: the narrower joins the first channels of the wider (docs/NCE.md section 2).
        train::add_forward(input_of(cur, 0), input_of(cur, 1), cur.sum);
        if (cur.layer.relu) {
          train::relu_forward(cur.sum, cur.out);
          cur.result = &cur.out;
        } else {
          cur.result = &cur.sum;
        }
        break;
    }
  }
  return *nodes_.back()->result;
}

void Supernet::forward_weighted(Node& n, bool training, SampleMode mode, double tau, train::Rng* rng) {
  const train::Tensor& x = input_of(n, 0);
  const train::Tensor* conv_in = &x;
  if (n.pact) {
    n.pact->forward(x, n.quant_in);
    conv_in = &n.quant_in;
  }
  const std::size_t count = n.widths.size();
  n.picked.clear();
  n.mix_weights.clear();
  if (!n.searchable || count == 1) {
    n.picked.push_back(int(count) - 1);
    n.mix_weights.push_back(1.0f);
  } else if (mode == SampleMode::argmax) {
    const auto& t = n.theta.value;
    n.picked.push_back(int(std::max_element(t.begin(), t.end()) - t.begin()));
    n.mix_weights.push_back(1.0f);
  } else if (mode == SampleMode::uniform) {
    n.picked.push_back(int(rng->below(count)));
    n.mix_weights.push_back(1.0f);
  } else {
    // TAS: pi = softmax((log_softmax(theta) + g) / tau); two distinct candidates drawn from
    // pi without replacement; their perturbed logits renormalised by a softmax mix them.
    n.probs = core::softmax(n.theta.value);
    std::vector<double> z(count);
    for (std::size_t j = 0; j < count; ++j) {
      const double u = std::clamp(rng->uniform(), 1e-12, 1.0 - 1e-12);
      z[j] = (std::log(n.probs[j]) - std::log(-std::log(u))) / tau;
    }
    const double zmax = *std::max_element(z.begin(), z.end());
    std::vector<double> pi(count);
    for (std::size_t j = 0; j < count; ++j) pi[j] = std::exp(z[j] - zmax);
    auto draw = [&](int exclude) {
      double total = 0;
      for (std::size_t j = 0; j < count; ++j) total += int(j) == exclude ? 0.0 : pi[j];
      double r = rng->uniform() * total;
      int last = -1;
      for (std::size_t j = 0; j < count; ++j) {
        if (int(j) == exclude) continue;
        last = int(j);
        r -= pi[j];
        if (r < 0) return int(j);
      }
      return last;
    };
    const int a = draw(-1);
    const int b = draw(a);
    const std::vector<double> mix = core::softmax(std::vector<double>{z[std::size_t(a)], z[std::size_t(b)]});
    n.picked = {a, b};
    n.mix_weights = {float(mix[0]), float(mix[1])};
  }
  int widest = 0;
  for (int k : n.picked) widest = std::max(widest, n.widths[std::size_t(k)]);
  n.conv->set_active(conv_in->c, widest);
  n.conv->forward(*conv_in, n.conv_out);
  const train::Tensor& y = n.conv_out;
  const std::size_t plane = std::size_t(y.h) * y.w;
  n.mix.resize(y.n, widest, y.h, y.w);
  // The loops over images below run on every core; each image's elements are summed in the same
  // order whatever the thread count.
  const bool parallel = y.size() > train::kParallelElements;
  for (std::size_t s = 0; s < n.picked.size(); ++s) {
    const int c = n.widths[std::size_t(n.picked[s])];
    train::Tensor& slice = n.slice[s];
    slice.resize(y.n, c, y.h, y.w);
#pragma omp parallel for schedule(static) if (parallel)
    for (int i = 0; i < y.n; ++i) std::copy_n(y.image(i), std::size_t(c) * plane, slice.image(i));
    const train::Tensor* cur = &slice;
    if (!n.bns.empty()) {
      n.bns[std::size_t(n.picked[s])]->forward(slice, n.normed[s], training);
      cur = &n.normed[s];
    }
    if (c < widest) {
      cwi_forward(*cur, widest, n.aligned[s]);
    } else {
      n.aligned[s] = *cur;
    }
    const float w = n.mix_weights[s];
    const std::size_t image = n.mix.image_size();
#pragma omp parallel for schedule(static) if (parallel)
    for (int i = 0; i < y.n; ++i) {
      float* __restrict dst = n.mix.image(i);
      const float* __restrict src = n.aligned[s].image(i);
      if (s == 0) {
        for (std::size_t e = 0; e < image; ++e) dst[e] = w * src[e];
      } else {
        for (std::size_t e = 0; e < image; ++e) dst[e] += w * src[e];
      }
    }
  }
  if (n.layer.relu) {
    train::relu_forward(n.mix, n.out);
    n.result = &n.out;
  } else {
    n.result = &n.mix;
  }
}

void Supernet::accumulate(int index, const train::Tensor& grad) {
  if (index < 0) return;
  Node& n = *nodes_[std::size_t(index)];
  if (!n.has_grad) {
    n.grad = grad;
    n.has_grad = true;
    return;
  }
  for (std::size_t e = 0; e < grad.size(); ++e) n.grad.data[e] += grad.data[e];
}

void Supernet::backward(const train::Tensor& dlogits) {
  accumulate(int(nodes_.size()) - 1, dlogits);
  for (std::size_t idx = nodes_.size(); idx-- > 0;) {
    Node& n = *nodes_[idx];
    if (!n.has_grad) continue;
    switch (n.layer.type) {
      case workloads::LayerType::conv:
      case workloads::LayerType::fc:
        backward_weighted(n);
        break;
      case workloads::LayerType::pool:
        n.pool->backward(input_of(n, 0), n.grad, n.din);
        accumulate(n.inputs[0], n.din);
        break;
      case workloads::LayerType::add: {
        const train::Tensor* g = &n.grad;
        if (n.layer.relu) {
          train::relu_backward(n.out, n.grad, n.dmix);
          g = &n.dmix;
        }
        for (std::size_t k = 0; k < 2; ++k) {
          const int c = input_of(n, k).c;
          if (c == g->c) {
            accumulate(n.inputs[k], *g);
          } else {
            train::add_backward_slice(*g, c, n.din);
            accumulate(n.inputs[k], n.din);
          }
        }
        break;
      }
    }
  }
}

void Supernet::backward_weighted(Node& n) {
  const train::Tensor* g = &n.grad;
  if (n.layer.relu) {
    train::relu_backward(n.out, n.grad, n.dmix);
    g = &n.dmix;
  }
  const train::Tensor& y = n.conv_out;
  const std::size_t plane = std::size_t(y.h) * y.w;
  n.dconv.resize(y.n, y.c, y.h, y.w);
  // Loops over images run on every core. The mixing weights' gradient is summed per image, then
  // over the images in order, so it does not depend on the thread count.
  const bool parallel = y.size() > train::kParallelElements;
  std::vector<double> image_dots(std::size_t(y.n));
  double dweight[2] = {0, 0};
  for (std::size_t s = 0; s < n.picked.size(); ++s) {
    const int c = n.widths[std::size_t(n.picked[s])];
    const float w = n.mix_weights[s];
    n.dscaled.resize(g->n, g->c, g->h, g->w);
    const std::size_t image = g->image_size();
#pragma omp parallel for schedule(static) if (parallel)
    for (int i = 0; i < g->n; ++i) {
      const float* __restrict gi = g->image(i);
      const float* __restrict ai = n.aligned[s].image(i);
      float* __restrict di = n.dscaled.image(i);
      double dot = 0;
      for (std::size_t e = 0; e < image; ++e) {
        dot += double(gi[e]) * ai[e];
        di[e] = w * gi[e];
      }
      image_dots[std::size_t(i)] = dot;
    }
    double dot = 0;
    for (double d : image_dots) dot += d;
    dweight[s] = dot;
    const train::Tensor* d = &n.dscaled;
    if (c < y.c) {
      cwi_backward(n.dscaled, c, n.dnormed);
      d = &n.dnormed;
    }
    if (!n.bns.empty()) {
      n.bns[std::size_t(n.picked[s])]->backward(n.slice[s], *d, n.dslice);
      d = &n.dslice;
    }
    const std::size_t filled = std::size_t(c) * plane;
#pragma omp parallel for schedule(static) if (parallel)
    for (int i = 0; i < y.n; ++i) {
      const float* __restrict src = d->image(i);
      float* __restrict dst = n.dconv.image(i);
      if (s == 0) {
        std::copy_n(src, filled, dst);
        std::fill(dst + filled, dst + n.dconv.image_size(), 0.0f);
      } else {
        for (std::size_t e = 0; e < filled; ++e) dst[e] += src[e];
      }
    }
  }
  if (gumbel_ && n.searchable && n.picked.size() == 2) {
    // d/dz of the two-way softmax, then z_k = (log_softmax(theta)_k + g_k) / tau.
    const double pa = n.mix_weights[0];
    const double pb = n.mix_weights[1];
    const double mean = pa * dweight[0] + pb * dweight[1];
    const double dza = pa * (dweight[0] - mean);
    const double dzb = pb * (dweight[1] - mean);
    const int a = n.picked[0];
    const int b = n.picked[1];
    for (std::size_t j = 0; j < n.widths.size(); ++j) {
      const double pj = n.probs[j];
      const double d = dza * ((int(j) == a ? 1.0 : 0.0) - pj) + dzb * ((int(j) == b ? 1.0 : 0.0) - pj);
      n.theta.grad[j] += float(d / tau_);
    }
  }
  const bool need_input = n.inputs[0] >= 0;
  const train::Tensor* conv_in = n.pact ? &n.quant_in : &input_of(n, 0);
  n.conv->backward(*conv_in, n.dconv, need_input ? &n.din : nullptr);
  if (!need_input) return;
  if (n.pact) {
    n.pact->backward(input_of(n, 0), n.din, n.dpact);
    accumulate(n.inputs[0], n.dpact);
  } else {
    accumulate(n.inputs[0], n.din);
  }
}

void Supernet::grow_input(Node& n, int in_channels, train::Rng& rng, std::vector<Growth>& growth) {
  (void)rng;
  const train::ConvShape old = n.conv->shape();
  auto grown = make_conv(n.layer, in_channels, old.out_channels, n.conv->weight_bits(), n.conv->weight_scale());
  const int kk = old.kernel * old.kernel;
  // New input channels start with zero weights (ours): the layer computes what it computed,
  // and the gradient trains the new columns once the producer's new filters are sampled.
  std::fill(grown->weight.value.begin(), grown->weight.value.end(), 0.0f);
  for (int o = 0; o < old.out_channels; ++o) {
    std::copy_n(n.conv->weight.value.data() + std::size_t(o) * old.in_channels * kk, std::size_t(old.in_channels) * kk,
                grown->weight.value.data() + std::size_t(o) * in_channels * kk);
  }
  grown->bias.value = n.conv->bias.value;
  growth.push_back({grown->weight.name, old.out_channels, old.in_channels, old.out_channels, in_channels, kk});
  n.conv = std::move(grown);
}

std::vector<Supernet::Growth> Supernet::expand(const std::string& layer, int extra, train::Rng& rng) {
  Node& n = node(layer);
  if (!n.searchable || extra <= 0) throw std::invalid_argument("expand: not a searchable layer: " + layer);
  std::vector<Growth> growth;
  const int width = n.widths.back() + extra;
  n.widths.push_back(width);
  // docs/NCE.md section 4: the new candidate starts with the widest candidate's logit.
  n.theta.value.push_back(n.theta.value.back());
  n.theta.grad.push_back(0.0f);
  if (!n.bns.empty()) n.bns.push_back(std::make_unique<train::BatchNorm2d>(fmt::format("{}.bn.w{}", layer, width), width));
  const train::ConvShape old = n.conv->shape();
  auto grown = make_conv(n.layer, old.in_channels, width, n.conv->weight_bits(), n.conv->weight_scale());
  grown->init(rng);  // He-normal for the new filters, like the others (docs/NCE.md section 4)
  const std::size_t kept = std::size_t(old.out_channels) * old.in_channels * old.kernel * old.kernel;
  std::copy_n(n.conv->weight.value.data(), kept, grown->weight.value.data());
  std::copy(n.conv->bias.value.begin(), n.conv->bias.value.end(), grown->bias.value.begin());
  growth.push_back({grown->weight.name, old.out_channels, old.in_channels, width, old.in_channels,
                    old.kernel * old.kernel});
  if (!grown->bias.value.empty()) growth.push_back({grown->bias.name, old.out_channels, 1, width, 1, 1});
  n.conv = std::move(grown);
  // Consumers (through pools and adds) read up to the new width.
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    Node& m = *nodes_[i];
    if (!m.conv) continue;
    const int need = max_width(m.inputs[0]);
    if (need > m.conv->shape().in_channels) grow_input(m, need, rng, growth);
  }
  return growth;
}

namespace {

int index_of_layer(const workloads::Workload& w, const std::string& name) {
  for (std::size_t i = 0; i < w.layers.size(); ++i) {
    if (w.layers[i].name == name) return int(i);
  }
  throw core::InputError(fmt::format("workload '{}' has no layer '{}'", w.name, name));
}

// Channels a layer outputs, from the graph alone (the workload may not analyze yet: its
// equal-join adds can see unequal widths until the derivation has fixed them).
int channels_of(const workloads::Workload& w, const std::string& name) {
  const workloads::Layer& layer = w.layer(name);
  if (layer.has_weights()) return layer.out_channels;
  if (layer.inputs.empty()) return layer.input_shape ? layer.input_shape->channels : w.input.channels;
  if (layer.type == workloads::LayerType::add && layer.join == workloads::Join::prefix && layer.inputs.size() == 2) {
    return std::max(channels_of(w, layer.inputs[0]), channels_of(w, layer.inputs[1]));
  }
  return channels_of(w, layer.inputs[0]);
}

}  // namespace

workloads::Workload Supernet::derive(JoinMode join) const {
  std::map<std::string, int> chosen;
  for (const auto& n : nodes_) {
    if (!n->searchable) continue;
    const auto& t = n->theta.value;
    chosen[n->layer.name] = n->widths[std::size_t(std::max_element(t.begin(), t.end()) - t.begin())];
  }
  return derive_workload(workload_, chosen, join);
}

workloads::Workload derive_workload(const workloads::Workload& base, const std::map<std::string, int>& widths,
                                    JoinMode join) {
  workloads::Workload out = base;
  for (const auto& [name, width] : widths) out.set_out_channels(name, width);
  if (join == JoinMode::prefix) {
    // The supernet's join: every residual add may see unequal widths. The adds whose inputs do
    // differ are written as prefix joins; the others stay plain adds.
    for (workloads::Layer& layer : out.layers) {
      if (layer.type == workloads::LayerType::add) layer.join = workloads::Join::prefix;
    }
    const std::vector<workloads::LayerInfo> infos = analyze(out);
    for (std::size_t i = 0; i < out.layers.size(); ++i) {
      workloads::Layer& add = out.layers[i];
      if (add.type != workloads::LayerType::add || add.inputs.size() != 2) continue;
      const int a = infos[std::size_t(index_of_layer(out, add.inputs[0]))].out.channels;
      const int b = infos[std::size_t(index_of_layer(out, add.inputs[1]))].out.channels;
      if (a == b) add.join = workloads::Join::equal;
    }
    analyze(out);
    return out;
  }
  for (std::size_t i = 0; i < out.layers.size(); ++i) {
    if (out.layers[i].type != workloads::LayerType::add || out.layers[i].inputs.size() != 2) continue;
    const int main = channels_of(out, out.layers[i].inputs[0]);
    const std::string shortcut = out.layers[i].inputs[1];
    if (channels_of(out, shortcut) == main) continue;
    workloads::Layer& producer = out.layer(shortcut);
    // A fixed-width conv on the shortcut (a projection, or the stem feeding the first block) is
    // what bind_widths ties to the main branch, so the derived widths are the ones the cost
    // tables priced.
    if (producer.type == workloads::LayerType::conv && !producer.searchable) {
      producer.out_channels = main;
      continue;
    }
    // A block whose widths differ gets a 1x1 projection shortcut at the join's precision.
    workloads::Layer proj;
    proj.name = out.layers[i].name + ".proj";
    proj.type = workloads::LayerType::conv;
    proj.inputs = {shortcut};
    proj.out_channels = main;
    proj.kernel_h = proj.kernel_w = 1;
    proj.stride = 1;
    proj.padding = 0;
    proj.precision = join == JoinMode::projection_w2a2 ? workloads::Precision{2, 2} : workloads::Precision{8, 8};
    proj.batch_norm = true;
    out.layers[i].inputs[1] = proj.name;
    out.layers.insert(out.layers.begin() + std::ptrdiff_t(i), proj);
    ++i;
  }
  analyze(out);
  return out;
}

}  // namespace nce::search
