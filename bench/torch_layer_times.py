#!/usr/bin/env python3
"""PyTorch's side of bench/engine_layer_times.cpp: the same operations on the same shapes
(batch 128, ResNet20 at 28x28), best of REPEATS, milliseconds, one JSON line per shape.

    python3 bench/torch_layer_times.py [--threads N] [--repeats R]
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F

SHAPES = [("stem 1->16 @28", 1, 16, 28, 1), ("stage1 16->16 @28", 16, 16, 28, 1),
          ("stage2 16->32 @28 s2", 16, 32, 28, 2), ("stage2 32->32 @14", 32, 32, 14, 1),
          ("stage3 32->64 @14 s2", 32, 64, 14, 2), ("stage3 64->64 @7", 64, 64, 7, 1)]


def best_ms(repeats, op):
    op()
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        op()
        best = min(best, (time.perf_counter() - start) * 1e3)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    for name, cin, cout, size, stride in SHAPES:
        x = torch.randn(128, cin, size, size, requires_grad=cin > 1)
        w = torch.randn(cout, cin, 3, 3, requires_grad=True)
        y = F.conv2d(x, w, stride=stride, padding=1)
        dy = torch.randn_like(y)
        forward = best_ms(args.repeats, lambda: F.conv2d(x.detach(), w.detach(), stride=stride, padding=1))
        mask = (cin > 1, True, False)
        backward = best_ms(args.repeats, lambda: torch.ops.aten.convolution_backward(
            dy, x.detach(), w.detach(), None, [stride, stride], [1, 1], [1, 1], False, [0, 0], 1, mask))
        gamma = torch.ones(cout, requires_grad=True)
        beta = torch.zeros(cout, requires_grad=True)
        yd = y.detach().requires_grad_(True)

        def bn_forward():
            return F.relu(F.batch_norm(yd, None, None, gamma, beta, training=True))

        bn_fwd = best_ms(args.repeats, bn_forward)
        out = bn_forward()

        def bn_backward():
            torch.autograd.grad(out, (yd, gamma, beta), dy, retain_graph=True)

        bn_bwd = best_ms(args.repeats, bn_backward)
        print(json.dumps({"shape": name, "conv_forward_ms": round(forward, 3), "conv_backward_ms": round(backward, 3),
                          "bn_relu_forward_ms": round(bn_fwd, 3), "bn_relu_backward_ms": round(bn_bwd, 3)}))


if __name__ == "__main__":
    main()
