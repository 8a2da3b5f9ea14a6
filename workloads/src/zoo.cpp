#include "nce/workloads/zoo.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "nce/core/input_error.hpp"

namespace nce::workloads::zoo {
namespace {

// Appends layers in order; each new layer reads the previous one unless told otherwise.
class NetworkBuilder {
 public:
  NetworkBuilder(std::string name, TensorShape input) {
    workload_.name = std::move(name);
    workload_.input = input;
  }

  const std::string& last() const { return last_; }

  std::string conv(const std::string& name, int out_channels, int kernel, int stride, int padding, bool relu,
                   const std::string& from, int groups = 1) {
    Layer layer;
    layer.name = name;
    layer.type = LayerType::conv;
    if (!from.empty()) layer.inputs = {from};
    layer.out_channels = out_channels;
    layer.kernel_h = layer.kernel_w = kernel;
    layer.stride = stride;
    layer.padding = padding;
    layer.groups = groups;
    layer.batch_norm = true;
    layer.relu = relu;
    return push(std::move(layer));
  }
  std::string conv(const std::string& name, int out_channels, int kernel, int stride, int padding, bool relu) {
    return conv(name, out_channels, kernel, stride, padding, relu, last_);
  }

  std::string pool(const std::string& name, PoolType type, int kernel, int stride, int padding) {
    Layer layer;
    layer.name = name;
    layer.type = LayerType::pool;
    if (!last_.empty()) layer.inputs = {last_};
    layer.pool = type;
    layer.kernel_h = layer.kernel_w = kernel;
    layer.stride = stride;
    layer.padding = padding;
    return push(std::move(layer));
  }

  std::string add(const std::string& name, const std::string& a, const std::string& b, bool relu = true) {
    Layer layer;
    layer.name = name;
    layer.type = LayerType::add;
    layer.inputs = {a, b};
    layer.relu = relu;
    return push(std::move(layer));
  }

  std::string fc(const std::string& name, int out_channels) {
    Layer layer;
    layer.name = name;
    layer.type = LayerType::fc;
    layer.inputs = {last_};
    layer.out_channels = out_channels;
    layer.bias = true;
    return push(std::move(layer));
  }

  Workload finish() {
    apply_default_precision(workload_);
    analyze(workload_);  // a zoo model that does not analyze is a bug, not user input
    return std::move(workload_);
  }

 private:
  std::string push(Layer layer) {
    last_ = layer.name;
    workload_.layers.push_back(std::move(layer));
    return last_;
  }

  Workload workload_;
  std::string last_;
};

// The block's output channels: a 1x1 projection shortcut whenever stride or width changes.
std::string basic_block(NetworkBuilder& net, const std::string& prefix, int in_channels, int width, int stride) {
  const std::string block_in = net.last();
  net.conv(prefix + ".conv_a", width, 3, stride, 1, true);
  const std::string main = net.conv(prefix + ".conv_b", width, 3, 1, 1, false);
  std::string shortcut = block_in;
  if (stride != 1 || in_channels != width) shortcut = net.conv(prefix + ".shortcut", width, 1, stride, 0, false, block_in);
  return net.add(prefix + ".add", main, shortcut);
}

std::string bottleneck_block(NetworkBuilder& net, const std::string& prefix, int in_channels, int width,
                             int stride) {
  constexpr int kExpansion = 4;
  const std::string block_in = net.last();
  net.conv(prefix + ".conv_a", width, 1, 1, 0, true);
  net.conv(prefix + ".conv_b", width, 3, stride, 1, true);  // stride on the 3x3 (torchvision's v1.5)
  const std::string main = net.conv(prefix + ".conv_c", width * kExpansion, 1, 1, 0, false);
  std::string shortcut = block_in;
  if (stride != 1 || in_channels != width * kExpansion) {
    shortcut = net.conv(prefix + ".shortcut", width * kExpansion, 1, stride, 0, false, block_in);
  }
  return net.add(prefix + ".add", main, shortcut);
}

// MobileNetV2's inverted residual (Sandler et al. 2018, Figure 4d): a 1x1 expansion by t (absent
// for t = 1), a 3x3 depthwise conv carrying the stride, a linear 1x1 projection (BN, no ReLU)
// and an identity add (no ReLU after it) when stride and width allow. ReLU6 is a ReLU here: PACT
// clamps every quantized activation anyway.
std::string inverted_residual(NetworkBuilder& net, const std::string& prefix, int in_channels, int out_channels,
                              int stride, int expansion) {
  const std::string block_in = net.last();
  const int hidden = in_channels * expansion;
  if (expansion != 1) net.conv(prefix + ".expand", hidden, 1, 1, 0, true);
  net.conv(prefix + ".dw", hidden, 3, stride, 1, true, net.last(), hidden);
  const std::string out = net.conv(prefix + ".project", out_channels, 1, 1, 0, false);
  if (stride == 1 && in_channels == out_channels) return net.add(prefix + ".add", out, block_in, false);
  return out;
}

std::string input_suffix(TensorShape input) {
  if (input == TensorShape{3, 32, 32}) return "";
  if (input == TensorShape{1, 28, 28}) return "-fmnist";
  return fmt::format("-{}x{}x{}", input.channels, input.height, input.width);
}

}  // namespace

Workload resnet_cifar(int depth, TensorShape input, int num_classes) {
  if (depth < 8 || (depth - 2) % 6 != 0) {
    throw core::InputError(fmt::format("CIFAR ResNet depth must be 6n+2 with n >= 1, got {}", depth));
  }
  const int blocks_per_stage = (depth - 2) / 6;
  NetworkBuilder net(fmt::format("resnet{}{}", depth, input_suffix(input)), input);
  net.conv("conv1", 16, 3, 1, 1, true, "");
  int channels = 16;
  for (int stage = 1; stage <= 3; ++stage) {
    const int width = 16 << (stage - 1);
    for (int block = 0; block < blocks_per_stage; ++block) {
      const int stride = (stage > 1 && block == 0) ? 2 : 1;
      basic_block(net, fmt::format("stage{}.block{}", stage, block), channels, width, stride);
      channels = width;
    }
  }
  net.pool("pool", PoolType::global_avg, 1, 1, 0);
  net.fc("fc", num_classes);
  return net.finish();
}

Workload vgg16_cifar(TensorShape input, int num_classes) {
  // Configuration "D" of Simonyan & Zisserman with BN, one FC classifier as in the usual CIFAR
  // variant. The last pooling is a global average so 28x28 inputs work too; pooling does not
  // change MACs or parameters.
  constexpr std::array<int, 18> kPlan = {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512, 0};
  NetworkBuilder net(fmt::format("vgg16{}", input_suffix(input)), input);
  int conv_index = 0;
  int pool_index = 0;
  for (std::size_t i = 0; i < kPlan.size(); ++i) {
    if (kPlan[i] == 0) {
      ++pool_index;
      if (i + 1 == kPlan.size()) {
        net.pool(fmt::format("pool{}", pool_index), PoolType::global_avg, 1, 1, 0);
      } else {
        net.pool(fmt::format("pool{}", pool_index), PoolType::max, 2, 2, 0);
      }
    } else {
      ++conv_index;
      net.conv(fmt::format("conv{}", conv_index), kPlan[i], 3, 1, 1, true, conv_index == 1 ? "" : net.last());
    }
  }
  net.fc("fc", num_classes);
  return net.finish();
}

Workload resnet18_imagenet() {
  NetworkBuilder net("resnet18", {3, 224, 224});
  net.conv("conv1", 64, 7, 2, 3, true, "");
  net.pool("maxpool", PoolType::max, 3, 2, 1);
  int channels = 64;
  for (int stage = 1; stage <= 4; ++stage) {
    const int width = 64 << (stage - 1);
    for (int block = 0; block < 2; ++block) {
      basic_block(net, fmt::format("layer{}.{}", stage, block), channels, width, (stage > 1 && block == 0) ? 2 : 1);
      channels = width;
    }
  }
  net.pool("avgpool", PoolType::global_avg, 1, 1, 0);
  net.fc("fc", 1000);
  return net.finish();
}

Workload resnet50_imagenet() {
  constexpr std::array<int, 4> kBlocks = {3, 4, 6, 3};
  NetworkBuilder net("resnet50", {3, 224, 224});
  net.conv("conv1", 64, 7, 2, 3, true, "");
  net.pool("maxpool", PoolType::max, 3, 2, 1);
  int channels = 64;
  for (int stage = 1; stage <= 4; ++stage) {
    const int width = 64 << (stage - 1);
    for (int block = 0; block < kBlocks[stage - 1]; ++block) {
      bottleneck_block(net, fmt::format("layer{}.{}", stage, block), channels, width,
                       (stage > 1 && block == 0) ? 2 : 1);
      channels = width * 4;
    }
  }
  net.pool("avgpool", PoolType::global_avg, 1, 1, 0);
  net.fc("fc", 1000);
  return net.finish();
}

Workload mobilenetv2(bool cifar) {
  // Sandler et al. 2018, Table 2: expansion t, output channels c, repeats n, first stride s.
  struct Stage {
    int t, c, n, s;
  };
  constexpr std::array<Stage, 7> kStages = {
      Stage{1, 16, 1, 1}, {6, 24, 2, 2}, {6, 32, 3, 2}, {6, 64, 4, 2}, {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  NetworkBuilder net(cifar ? "mobilenetv2-cifar" : "mobilenetv2", cifar ? TensorShape{3, 32, 32} : TensorShape{3, 224, 224});
  // CIFAR: the stem and stage 2 at stride 1, so 32x32 ends at 4x4 (ImageNet: 224 -> 7x7).
  net.conv("conv1", 32, 3, cifar ? 1 : 2, 1, true, "");
  int channels = 32;
  for (std::size_t i = 0; i < kStages.size(); ++i) {
    const Stage& stage = kStages[i];
    const int stride = (cifar && i == 1) ? 1 : stage.s;
    for (int block = 0; block < stage.n; ++block) {
      inverted_residual(net, fmt::format("stage{}.block{}", i + 1, block), channels, stage.c, block == 0 ? stride : 1,
                        stage.t);
      channels = stage.c;
    }
  }
  net.conv("conv_last", 1280, 1, 1, 0, true);
  net.pool("pool", PoolType::global_avg, 1, 1, 0);
  net.fc("fc", cifar ? 10 : 1000);
  return net.finish();
}

std::vector<std::string> names() {
  return {"resnet20",        "resnet32",        "resnet56",        "vgg16",        "resnet18",
          "resnet50",        "mobilenetv2",     "mobilenetv2-cifar", "resnet20-fmnist", "resnet32-fmnist",
          "resnet56-fmnist", "vgg16-fmnist"};
}

bool contains(std::string_view name) {
  const auto all = names();
  return std::find(all.begin(), all.end(), name) != all.end();
}

Workload make(std::string_view name) {
  constexpr std::string_view kFmnist = "-fmnist";
  const bool fmnist = name.ends_with(kFmnist);
  const std::string_view base = fmnist ? name.substr(0, name.size() - kFmnist.size()) : name;
  const TensorShape input = fmnist ? TensorShape{1, 28, 28} : TensorShape{3, 32, 32};
  if (base == "resnet20") return resnet_cifar(20, input);
  if (base == "resnet32") return resnet_cifar(32, input);
  if (base == "resnet56") return resnet_cifar(56, input);
  if (base == "vgg16") return vgg16_cifar(input);
  if (!fmnist && base == "resnet18") return resnet18_imagenet();
  if (!fmnist && base == "resnet50") return resnet50_imagenet();
  if (!fmnist && base == "mobilenetv2") return mobilenetv2(false);
  if (!fmnist && base == "mobilenetv2-cifar") return mobilenetv2(true);
  std::string known;
  for (const auto& n : names()) known += (known.empty() ? "" : ", ") + n;
  throw core::InputError(fmt::format("unknown model '{}' (known: {})", name, known));
}

}  // namespace nce::workloads::zoo
