#!/usr/bin/python3
"""PyTorch CPU reference for nce's training throughput: the same ResNet20 (CIFAR style, 1x1
projection shortcuts, as in workloads/ zoo) with the same quantizers as search/ (PACT on the
inputs of quantized layers, per-layer weight quantizer with straight-through gradients; first
conv, shortcuts and FC at W8A8 when the body is quantized). Prints one JSON line.

Each quantizer is one autograd.Function by default (--impl function): one forward op chain and
one fused backward mask, as a PyTorch user who cares about speed would write it. --impl
composite is the earlier formulation (the straight-through estimator spelt with .detach(), about
five elementwise autograd nodes per quantizer), kept so the two can be compared in one run.

Run with Debian's python3-torch: /usr/bin/python3 bench/torch_resnet20.py --input 1x28x28 --bits 2
"""
import argparse
import json
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


IMPL = "function"  # set from --impl in main()


def weight_scale(w, bits):
    if bits <= 4:
        return 2 * w.abs().mean() / 2 ** (bits - 1)
    return w.abs().max() / (2 ** (bits - 1) - 1)


class WeightQuantFn(torch.autograd.Function):
    """Forward: the quantized weights. Backward: the gradient inside the code range, else 0."""

    @staticmethod
    def forward(ctx, w, bits):
        code_min, code_max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
        s = weight_scale(w, bits)
        scaled = w / s
        ctx.save_for_backward((scaled >= code_min - 0.5) & (scaled <= code_max + 0.5))
        return scaled.round_().clamp_(code_min, code_max).mul_(s)

    @staticmethod
    def backward(ctx, g):
        (inside,) = ctx.saved_tensors
        return g * inside, None


class PactFn(torch.autograd.Function):
    """Forward: clip to [0, alpha] and round to 2^bits - 1 steps. Backward: dx = g inside
    [0, alpha]; dalpha = the sum of g where x > alpha (PACT's clipped gradient)."""

    @staticmethod
    def forward(ctx, x, alpha, bits):
        a = float(alpha)
        ctx.save_for_backward(x)
        ctx.alpha = a
        step = a / (2 ** bits - 1)
        return x.clamp(0.0, a).div_(step).round_().mul_(step)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        a = ctx.alpha
        dx = g * ((x >= 0) & (x <= a))
        dalpha = (g * (x > a)).sum().reshape(1)
        return dx, dalpha, None


def quantize_weights(w, bits):
    if bits >= 32:
        return w
    if IMPL == "function":
        return WeightQuantFn.apply(w, bits)
    code_min, code_max = -(2 ** (bits - 1)), 2 ** (bits - 1) - 1
    with torch.no_grad():
        s = weight_scale(w, bits)
        q = torch.clamp(torch.round(w / s), code_min, code_max) * s
        inside = ((w >= (code_min - 0.5) * s) & (w <= (code_max + 0.5) * s)).to(w.dtype)
    # straight-through inside the code range, zero gradient outside
    return w * inside + (q - w * inside).detach()


class Pact(nn.Module):
    def __init__(self, bits):
        super().__init__()
        self.bits = bits
        self.alpha = nn.Parameter(torch.tensor([8.0]))

    def forward(self, x):
        if self.bits >= 32:
            return F.relu(x)
        if IMPL == "function":
            return PactFn.apply(x, self.alpha, self.bits)
        y = torch.minimum(F.relu(x), self.alpha)  # dy/dalpha = 1 where x > alpha
        step = self.alpha / (2 ** self.bits - 1)
        q = torch.round(y / step) * step
        return y + (q - y).detach()


class QConv(nn.Module):
    def __init__(self, cin, cout, k, stride, pad, bits, quantize_input=True, bias=False):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, stride, pad, bias=bias)
        self.bits = bits
        self.pact = Pact(bits) if (bits < 32 and quantize_input) else None

    def forward(self, x):
        if self.pact is not None:
            x = self.pact(x)
        return F.conv2d(x, quantize_weights(self.conv.weight, self.bits), self.conv.bias,
                        self.conv.stride, self.conv.padding)


class Block(nn.Module):
    def __init__(self, cin, cout, stride, body, high):
        super().__init__()
        self.a = QConv(cin, cout, 3, stride, 1, body)
        self.bn_a = nn.BatchNorm2d(cout)
        self.b = QConv(cout, cout, 3, 1, 1, body)
        self.bn_b = nn.BatchNorm2d(cout)
        self.short = None
        if stride != 1 or cin != cout:
            self.short = QConv(cin, cout, 1, stride, 0, high)
            self.bn_s = nn.BatchNorm2d(cout)

    def forward(self, x):
        y = F.relu(self.bn_a(self.a(x)))
        y = self.bn_b(self.b(y))
        s = x if self.short is None else self.bn_s(self.short(x))
        return F.relu(y + s)


class ResNet20(nn.Module):
    def __init__(self, channels, bits):
        super().__init__()
        high = 8 if bits < 32 else 32
        self.conv1 = QConv(channels, 16, 3, 1, 1, high, quantize_input=False)  # the image is not PACT-quantized
        self.bn1 = nn.BatchNorm2d(16)
        blocks, cin = [], 16
        for stage in range(3):
            width = 16 << stage
            for block in range(3):
                blocks.append(Block(cin, width, 2 if (stage > 0 and block == 0) else 1, bits, high))
                cin = width
        self.blocks = nn.Sequential(*blocks)
        self.fc_pact = Pact(high) if high < 32 else None
        self.fc = nn.Linear(64, 10)
        self.high = high

    def forward(self, x):
        x = F.relu(self.bn1(self.conv1(x)))
        x = self.blocks(x)
        x = F.adaptive_avg_pool2d(x, 1).flatten(1)
        if self.fc_pact is not None:
            x = self.fc_pact(x)
        return F.linear(x, quantize_weights(self.fc.weight, self.high), self.fc.bias)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--input", default="3x32x32")
    parser.add_argument("--bits", type=int, default=2)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--impl", choices=["function", "composite"], default="function")
    parser.add_argument("--memory-format", choices=["contiguous", "channels_last"], default="contiguous",
                        help="channels_last lets oneDNN skip its layout reorders (faster at W32 on this machine)")
    args = parser.parse_args()
    global IMPL
    IMPL = args.impl
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    c, h, w = (int(v) for v in args.input.split("x"))
    model = ResNet20(c, args.bits)
    images = torch.randn(args.batch, c, h, w)
    if args.memory_format == "channels_last":
        model = model.to(memory_format=torch.channels_last)
        images = images.to(memory_format=torch.channels_last)
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9, weight_decay=4e-4)
    labels = torch.randint(0, 10, (args.batch,))
    seconds = 0.0
    for step in range(args.warmup + args.steps):
        start = time.perf_counter()
        opt.zero_grad()
        F.cross_entropy(model(images), labels).backward()
        opt.step()
        if step >= args.warmup:
            seconds += time.perf_counter() - start
    print(json.dumps({"engine": "pytorch " + torch.__version__, "input": args.input, "bits": args.bits,
                      "batch": args.batch, "steps": args.steps, "threads": torch.get_num_threads(), "impl": args.impl,
                      "memory_format": args.memory_format, "images_per_second": round(args.batch * args.steps / seconds, 1)}))


if __name__ == "__main__":
    main()
