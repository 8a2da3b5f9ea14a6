#!/usr/bin/env python3
"""Exports the ONNX fixtures of nce's importer tests with Debian's python3-torch.

    export_fixtures.py OUT_DIR                 the three checked-in fixtures (below)
    export_fixtures.py OUT_DIR --mobilenetv2   also mobilenetv2-cifar.onnx and mobilenetv2.onnx
    export_fixtures.py --counts NAME           print "macs params" of a model, counted in PyTorch

Fixtures (tests/workloads/onnx/):
  resnet20.onnx           the zoo's CIFAR ResNet20, module for module, so that the imported
                          workload equals workloads::zoo::make("resnet20") (names included)
  mbv2_block.onnx         a MobileNetV2-style net: stem, an inverted residual block with a
                          depthwise conv and a residual add (ReLU6 = Clip), a stride-2 block,
                          global pooling, a Reshape and a Gemm classifier
  unsupported_op.onnx     a conv followed by a Sigmoid gate, which nce does not import

Weights are zeros (BN keeps gamma 1, beta 0): the importer reads structure and shapes only, and
zero tensors compress to almost nothing in git. The MobileNetV2 models are not checked in (9 and
14 MB); tests/workloads/onnx_torch_test.sh exports them to a temporary directory and compares
nce's zoo with them, and with PyTorch's own MAC and parameter counts (--counts).

Export settings: opset 13, TrainingMode.PRESERVE on a model in eval mode. PRESERVE keeps the
BatchNormalization nodes (EVAL would fuse them into the convs, turning BN's 2 affine parameters
per channel into one bias, so parameter counts would no longer match the zoo's).
"""
import argparse
import os
import sys
from collections import OrderedDict

import torch
from torch import nn


class AddRelu(nn.Module):
    """A residual join as its own module, so the ONNX node is named <block>/add/Add."""

    def __init__(self, relu):
        super().__init__()
        self.relu = relu

    def forward(self, a, b):
        out = a + b
        return torch.relu(out) if self.relu else out


# ---------------------------------------------------------------------------------- ResNet20

class ConvBN(nn.Module):
    """conv + BN with the parameters named <module>.weight, as the zoo names the layer."""

    def __init__(self, cin, cout, kernel, stride, padding, groups=1):
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(cout, cin // groups, kernel, kernel))
        self.bn = nn.BatchNorm2d(cout)
        self.stride, self.padding, self.groups = stride, padding, groups

    def forward(self, x):
        return self.bn(nn.functional.conv2d(x, self.weight, None, self.stride, self.padding, 1, self.groups))


class BasicBlock(nn.Module):
    def __init__(self, cin, width, stride):
        super().__init__()
        self.conv_a = ConvBN(cin, width, 3, stride, 1)
        self.conv_b = ConvBN(width, width, 3, 1, 1)
        self.shortcut = ConvBN(cin, width, 1, stride, 0) if stride != 1 or cin != width else None
        self.add = AddRelu(relu=True)

    def forward(self, x):
        main = self.conv_b(torch.relu(self.conv_a(x)))
        return self.add(main, self.shortcut(x) if self.shortcut is not None else x)


class ResNetCifar(nn.Module):
    def __init__(self, depth=20, channels=3, classes=10):
        super().__init__()
        n = (depth - 2) // 6
        self.conv1 = ConvBN(channels, 16, 3, 1, 1)
        cin = 16
        for stage in range(1, 4):
            width = 16 << (stage - 1)
            blocks = OrderedDict()
            for b in range(n):
                blocks[f"block{b}"] = BasicBlock(cin, width, 2 if stage > 1 and b == 0 else 1)
                cin = width
            setattr(self, f"stage{stage}", nn.Sequential(blocks))
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(64, classes)

    def forward(self, x):
        x = torch.relu(self.conv1(x))
        x = self.stage3(self.stage2(self.stage1(x)))
        return self.fc(torch.flatten(self.pool(x), 1))


# ------------------------------------------------------------------------------- MobileNetV2

# Sandler et al. 2018, Table 2: expansion t, output channels c, repeats n, first stride s.
MOBILENETV2_STAGES = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1),
                      (6, 160, 3, 2), (6, 320, 1, 1)]


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expansion):
        super().__init__()
        hidden = cin * expansion
        self.expand = ConvBN(cin, hidden, 1, 1, 0) if expansion != 1 else None
        self.dw = ConvBN(hidden, hidden, 3, stride, 1, groups=hidden)
        self.project = ConvBN(hidden, cout, 1, 1, 0)
        self.add = AddRelu(relu=False) if stride == 1 and cin == cout else None

    def forward(self, x):
        h = x if self.expand is None else nn.functional.relu6(self.expand(x))
        out = self.project(nn.functional.relu6(self.dw(h)))
        return self.add(out, x) if self.add is not None else out


class MobileNetV2(nn.Module):
    """The zoo's mobilenetv2 (ImageNet) and mobilenetv2-cifar (stem stride 1, stage 2 stride 1)."""

    def __init__(self, cifar):
        super().__init__()
        self.conv1 = ConvBN(3, 32, 3, 1 if cifar else 2, 1)
        cin = 32
        stages = OrderedDict()
        for index, (t, c, n, s) in enumerate(MOBILENETV2_STAGES, start=1):
            stride = 1 if cifar and index == 2 else s
            blocks = OrderedDict()
            for b in range(n):
                blocks[f"block{b}"] = InvertedResidual(cin, c, stride if b == 0 else 1, t)
                cin = c
            stages[f"stage{index}"] = nn.Sequential(blocks)
        # Registered one by one so that the parameters are named stage<i>.block<j>...
        for name, stage in stages.items():
            setattr(self, name, stage)
        self.stage_names = list(stages)
        self.conv_last = ConvBN(cin, 1280, 1, 1, 0)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(1280, 10 if cifar else 1000)

    def forward(self, x):
        x = nn.functional.relu6(self.conv1(x))
        for name in self.stage_names:
            x = getattr(self, name)(x)
        x = nn.functional.relu6(self.conv_last(x))
        return self.fc(torch.flatten(self.pool(x), 1))


# ----------------------------------------------------------------------- small fixtures

class MobileNetV2Block(nn.Module):
    """Stem, one residual inverted block (depthwise), one stride-2 block, pool, Reshape, Gemm."""

    def __init__(self):
        super().__init__()
        self.stem = ConvBN(3, 16, 3, 1, 1)
        self.block0 = InvertedResidual(16, 16, 1, 6)
        self.block1 = InvertedResidual(16, 24, 2, 6)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(24, 10)

    def forward(self, x):
        x = nn.functional.relu6(self.stem(x))
        x = self.block1(self.block0(x))
        x = self.pool(x)
        return self.fc(x.reshape(x.shape[0], -1))


class UnsupportedOp(nn.Module):
    """A conv gated by a sigmoid (squeeze-and-excitation style): Sigmoid is not imported."""

    def __init__(self):
        super().__init__()
        self.conv = ConvBN(3, 8, 3, 1, 1)
        self.gate = nn.Sigmoid()
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(8, 10)

    def forward(self, x):
        x = self.gate(self.conv(x))
        return self.fc(torch.flatten(self.pool(x), 1))


MODELS = {
    "resnet20": (lambda: ResNetCifar(20), (1, 3, 32, 32)),
    "mbv2_block": (MobileNetV2Block, (1, 3, 32, 32)),
    "unsupported_op": (UnsupportedOp, (1, 3, 32, 32)),
    "mobilenetv2-cifar": (lambda: MobileNetV2(cifar=True), (1, 3, 32, 32)),
    "mobilenetv2": (lambda: MobileNetV2(cifar=False), (1, 3, 224, 224)),
}


def build(name):
    factory, shape = MODELS[name]
    torch.manual_seed(0)
    model = factory().eval()
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (nn.Conv2d, nn.Linear, ConvBN)):
                module.weight.zero_()
            if isinstance(module, nn.Linear):
                module.bias.zero_()
    return model, shape


def export(name, out_dir):
    model, shape = build(name)
    path = os.path.join(out_dir, name + ".onnx")
    torch.onnx.export(model, torch.zeros(shape), path, opset_version=13, input_names=["input"],
                      output_names=["logits"], training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=True)
    return path


def counts(name):
    """MACs (convs and FCs, per image) and parameters, counted by PyTorch itself."""
    model, shape = build(name)
    macs = [0]

    def conv_hook(module, inputs, output):
        macs[0] += output.numel() * (module.weight.shape[1] * module.weight.shape[2] * module.weight.shape[3])

    def fc_hook(module, inputs, output):
        macs[0] += module.in_features * module.out_features

    for module in model.modules():
        if isinstance(module, ConvBN):
            module.register_forward_hook(conv_hook)
        elif isinstance(module, nn.Linear):
            module.register_forward_hook(fc_hook)
    with torch.no_grad():
        model(torch.zeros(shape))
    return macs[0], sum(p.numel() for p in model.parameters())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", nargs="?")
    parser.add_argument("--mobilenetv2", action="store_true", help="also export the two MobileNetV2 models")
    parser.add_argument("--counts", metavar="NAME", choices=sorted(MODELS), help="print MACs and params of NAME")
    args = parser.parse_args()
    if args.counts:
        print(*counts(args.counts))
        return 0
    if not args.out_dir:
        parser.error("OUT_DIR is required")
    os.makedirs(args.out_dir, exist_ok=True)
    names = ["resnet20", "mbv2_block", "unsupported_op"]
    if args.mobilenetv2:
        names += ["mobilenetv2-cifar", "mobilenetv2"]
    for name in names:
        print(export(name, args.out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
