#pragma once
// Built-in networks. MAC and parameter totals match the NCE paper's tables (tests assert them).
#include <string>
#include <string_view>
#include <vector>

#include "nce/workloads/workload.hpp"

namespace nce::workloads::zoo {

// CIFAR ResNets (He et al. 2016, 6n+2 layers) with 1x1 projection shortcuts where width or
// resolution changes, as the paper's FLOP counts include them.
Workload resnet_cifar(int depth, TensorShape input = {3, 32, 32}, int num_classes = 10);
Workload vgg16_cifar(TensorShape input = {3, 32, 32}, int num_classes = 10);
Workload resnet18_imagenet();
Workload resnet50_imagenet();
// MobileNetV2 at width 1.0 (Sandler et al. 2018): ImageNet (3x224x224, 1000 classes) or the CIFAR
// variant (3x32x32, 10 classes; stem and stage 2 at stride 1). Depthwise convs are convs with
// groups = channels (docs/ARCHITECTURE.md section 6 says how they map onto the array).
Workload mobilenetv2(bool cifar);

// Names accepted by `make`: resnet20, resnet32, resnet56, vgg16, resnet18, resnet50,
// mobilenetv2, mobilenetv2-cifar, and "<cifar-resnet-or-vgg>-fmnist" for the 1x28x28
// Fashion-MNIST variants.
std::vector<std::string> names();
bool contains(std::string_view name);
Workload make(std::string_view name);  // throws InputError listing the known names

}  // namespace nce::workloads::zoo
