#!/usr/bin/env python3
"""nce's expected latency as a differentiable hardware loss in a PyTorch training loop.

A tiny CNN with two searchable convolutions learns a synthetic task while softmax logits over
candidate widths pick how many output channels each searchable conv keeps. The loss is

    cross-entropy + hw_weight * E[cycles] / cycles(base network)

where E[cycles] is nce's expected latency of the network on the accelerator (the analytical
model's per-layer cost tables, equal to the SystemC model in every statistic) over the width
distributions, and its gradient with respect to the logits comes from nce as well
(nce.ExpectedCost.evaluate_logits), wrapped in a torch.autograd.Function. After training, the
most probable widths give a derived network whose predicted cycles are checked against nce's
SystemC simulation of it.

Run from the repository root after building (docs/PYTHON.md):

    PYTHONPATH=build/python /usr/bin/python3 python/examples/torch_hw_loss.py --steps 20
"""
import argparse
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import nce

# The network in nce's workload format (workloads/FORMAT.md). The stem and the classifier are
# W8A8 (they run as radix-4 digit passes on the 2-bit array); conv_a and conv_b are W2A2 and
# searchable. conv_a is the 3x3, 16 -> 16 channel conv on an 8x8 map whose 959 cycles on the
# default 16x16 array are derived by hand in tests/sim/timing_test.cpp.
WORKLOAD_YAML = """
format: nce-workload/1
name: tiny-cnn
input: {channels: 3, height: 8, width: 8}
layers:
  - {name: stem, type: conv, out_channels: 16, kernel: 3, padding: 1, weight_bits: 8, act_bits: 8, batch_norm: true, relu: true}
  - {name: conv_a, type: conv, out_channels: 16, kernel: 3, padding: 1, batch_norm: true, relu: true, searchable: true}
  - {name: conv_b, type: conv, out_channels: 32, kernel: 3, stride: 2, padding: 1, batch_norm: true, relu: true, searchable: true}
  - {name: pool, type: pool, pool: global_avg}
  - {name: fc, type: fc, out_channels: 10, weight_bits: 8, act_bits: 8}
"""

# Candidate widths: these multipliers of each searchable layer's width (as `nce cost-table --widths`).
MULTIPLIERS = [0.25, 0.5, 0.75, 1.0]


class ExpectedCostFunction(torch.autograd.Function):
    """E = cost(softmax(logits_1), ..., softmax(logits_n)) from an nce.ExpectedCost.

    forward returns nce's expected cost (a float64 scalar); backward multiplies the incoming
    gradient by nce's exact gradient with respect to each layer's logits.
    """

    @staticmethod
    def forward(ctx, cost, *logits):
        value, gradient = cost.evaluate_logits([l.detach().cpu().double().numpy() for l in logits])
        ctx.gradient = [torch.from_numpy(g).to(dtype=l.dtype, device=l.device) for g, l in zip(gradient, logits)]
        return torch.tensor(value, dtype=torch.float64)

    @staticmethod
    def backward(ctx, grad_output):
        return (None, *[grad_output.to(g.dtype) * g for g in ctx.gradient])


def expected_cost(cost, logits):
    return ExpectedCostFunction.apply(cost, *logits)


class SoftWidthConv(nn.Module):
    """3x3 conv + BN + ReLU whose output channels are scaled by the expected keep-mask
    sum_j p_j [c < w_j] over the candidate widths w_j (channel c survives under candidate j
    when c < w_j), so the task loss also sees the width distribution."""

    def __init__(self, in_channels, out_channels, stride, widths):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, out_channels, 3, stride, 1, bias=False)
        self.bn = nn.BatchNorm2d(out_channels)
        masks = torch.stack([(torch.arange(out_channels) < w).float() for w in widths])
        self.register_buffer("masks", masks)

    def forward(self, x, probabilities):
        mask = probabilities @ self.masks
        return F.relu(self.bn(self.conv(x))) * mask.view(1, -1, 1, 1)


class TinyNet(nn.Module):
    def __init__(self, workload, candidates):
        super().__init__()
        layers = {l["name"]: l for l in workload.layers()}
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, 1, 1, bias=False), nn.BatchNorm2d(16), nn.ReLU())
        self.conv_a = SoftWidthConv(16, layers["conv_a"]["out_channels"], 1, candidates["conv_a"])
        self.conv_b = SoftWidthConv(layers["conv_a"]["out_channels"], layers["conv_b"]["out_channels"], 2,
                                    candidates["conv_b"])
        self.fc = nn.Linear(layers["conv_b"]["out_channels"], 10)
        # One logit per candidate width, in nce.ExpectedCost.layers order (uniform at the start).
        self.width_logits = nn.ParameterList([nn.Parameter(torch.zeros(len(candidates[name])))
                                              for name in ("conv_a", "conv_b")])

    def forward(self, x):
        p_a, p_b = (torch.softmax(l, dim=0) for l in self.width_logits)
        x = self.conv_b(self.conv_a(self.stem(x), p_a), p_b)
        return self.fc(x.mean(dim=(2, 3)))


def synthetic_data(count, seed):
    """Images of 3x8x8 Gaussian noise labelled by a fixed random linear teacher."""
    generator = torch.Generator().manual_seed(seed)
    images = torch.randn(count, 3, 8, 8, generator=generator)
    teacher = torch.randn(3 * 8 * 8, 10, generator=generator)
    labels = (images.flatten(1) @ teacher).argmax(dim=1)
    return images, labels


def run(steps=20, hw_weight=1.0, batch=64, lr=0.05, arch_lr=0.1, seed=0, config=None, log=None):
    """Trains for `steps` steps; returns a summary dict (what --json prints)."""
    torch.manual_seed(seed)
    workload = nce.workload_from_yaml(WORKLOAD_YAML, "torch_hw_loss.py")
    config = config if config is not None else nce.load_config()
    # The expected latency in cycles; cache_dir=False keeps the example from writing the user's
    # cost-table cache (the tables take milliseconds here).
    cost = nce.ExpectedCost(workload, config, MULTIPLIERS, metric="cycles", cache_dir=False)
    candidates = cost.widths
    assert cost.layers == ["conv_a", "conv_b"], cost.layers
    base_cycles = cost.cost_of({name: widths[-1] for name, widths in candidates.items()})

    net = TinyNet(workload, candidates)
    weights = [p for name, p in net.named_parameters() if not name.startswith("width_logits")]
    optimizer = torch.optim.SGD(weights, lr=lr, momentum=0.9)
    arch_optimizer = torch.optim.Adam(net.width_logits.parameters(), lr=arch_lr)
    images, labels = synthetic_data(8 * batch, seed)

    history = []
    for step in range(steps):
        start = (step * batch) % len(images)
        x, y = images[start:start + batch], labels[start:start + batch]
        expected = expected_cost(cost, list(net.width_logits))
        task = F.cross_entropy(net(x), y)
        hardware = hw_weight * expected / base_cycles
        loss = task + hardware.to(task.dtype)
        optimizer.zero_grad()
        arch_optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        arch_optimizer.step()
        record = {"step": step, "task_loss": task.item(), "hardware_loss": hardware.item(),
                  "expected_cycles": expected.item()}
        history.append(record)
        if log is not None:
            print(f"step {step:3d}  cross-entropy {record['task_loss']:.4f}  "
                  f"E[cycles] {record['expected_cycles']:10.1f}  ({record['expected_cycles'] / base_cycles:.3f} of base)",
                  file=log)

    final_expected, _ = cost.evaluate_logits([l.detach().double().numpy() for l in net.width_logits])
    chosen = {name: candidates[name][int(torch.argmax(l))] for name, l in zip(cost.layers, net.width_logits)}
    predicted = cost.cost_of(chosen)
    # The derived network (as `nce search` derives it) through the SystemC model: its cycles are
    # the prediction's.
    derived = workload.derive(chosen)
    simulated = nce.simulate(derived, config)
    summary = {
        "workload": workload.name,
        "config": f"{config.rows}x{config.cols} {config.dataflow}",
        "candidates": candidates,
        "base_cycles": base_cycles,
        "history": history,
        "final_expected_cycles": final_expected,
        "probabilities": {name: torch.softmax(l.detach(), 0).tolist() for name, l in zip(cost.layers, net.width_logits)},
        "derived_widths": chosen,
        "derived_predicted_cycles": predicted,
        "derived_simulated_cycles": int(simulated.total["cycles"]),
        "derived_layer_cycles": {l["layer"]: int(l["cycles"]) for l in simulated.layers},
    }
    if log is not None:
        print(f"derived widths {chosen}: predicted {predicted:.0f} cycles, SystemC {summary['derived_simulated_cycles']} "
              f"cycles (base network {base_cycles:.0f})", file=log)
    return summary


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--hw-weight", type=float, default=1.0, help="weight of the relative expected latency")
    parser.add_argument("--array", default=None, help="array size RxC (default: the default config's)")
    parser.add_argument("--dataflow", default=None, help="ws, os or is (default: the default config's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the summary as JSON instead of progress lines")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    config = nce.load_config(array=args.array, dataflow=args.dataflow)
    summary = run(steps=args.steps, hw_weight=args.hw_weight, seed=args.seed, config=config,
                  log=None if args.json else sys.stdout)
    if args.json:
        print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
