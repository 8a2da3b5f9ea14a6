"""python/examples/torch_hw_loss.py: nce's expected latency as a PyTorch hardware loss. Runs the
example for a few steps and checks its numbers against nce. Run by ctest with
PYTHONPATH=<build>/python; argv[1] is the example's path."""
import importlib.util
import json
import subprocess
import sys
import unittest

import numpy as np
import torch

import nce

EXAMPLE = sys.argv.pop(1) if len(sys.argv) > 1 else "python/examples/torch_hw_loss.py"
spec = importlib.util.spec_from_file_location("torch_hw_loss", EXAMPLE)
example = importlib.util.module_from_spec(spec)
spec.loader.exec_module(example)

torch.set_num_threads(1)

# The example's network on the default config (16x16 WS), from the analytical cost tables:
# cycles of stem, conv_a, conv_b, pool, fc at the base widths (conv_a: the hand-derived 959 of
# tests/sim/timing_test.cpp), their sum, and the expected cycles under uniform width
# distributions: 3013 + (869+899+929+959)/4 + 11214/16 + (1129+1140+2071+2082)/4, exact in binary.
BASE_LAYER_CYCLES = [3013, 959, 1174, 0, 2082]
BASE_CYCLES = 7228
UNIFORM_EXPECTED_CYCLES = 6233.375


class TorchHardwareLoss(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workload = nce.workload_from_yaml(example.WORKLOAD_YAML)
        cls.cost = nce.ExpectedCost(cls.workload, None, example.MULTIPLIERS, metric="cycles", cache_dir=False)

    def test_candidates_and_hand_derived_layer(self):
        cost = self.cost
        self.assertEqual(cost.layers, ["conv_a", "conv_b"])
        self.assertEqual(cost.widths, {"conv_a": [4, 8, 12, 16], "conv_b": [8, 16, 24, 32]})
        # conv_a at its base width is the hand-derived 959-cycle layer of tests/sim/timing_test.cpp.
        conv_a = cost.table.layer("conv_a")
        self.assertEqual(conv_a.in_widths, [16])
        self.assertEqual(conv_a.cycles[0, 3], 959)
        simulated = nce.simulate(self.workload)
        self.assertEqual(simulated.layer("conv_a")["cycles"], 959)
        self.assertEqual(simulated.arrays()["cycles"].tolist(), BASE_LAYER_CYCLES)
        self.assertEqual(sum(BASE_LAYER_CYCLES), BASE_CYCLES)

    def test_expected_latency_at_uniform_logits(self):
        # E = sum over layers of pi_in^T T pi_out, written out from the cost tables.
        t = {l.name: l.cycles.astype(np.float64) for l in self.cost.table.layers}
        u = np.full(4, 0.25)
        by_hand = t["stem"][0, 0] + t["conv_a"][0] @ u + u @ t["conv_b"] @ u + u @ t["fc"][:, 0]
        value, _ = self.cost.evaluate_logits([np.zeros(4), np.zeros(4)])
        self.assertEqual(value, by_hand)
        self.assertEqual(value, UNIFORM_EXPECTED_CYCLES)
        base = self.cost.cost_of({"conv_a": 16, "conv_b": 32})
        self.assertEqual(base, nce.simulate(self.workload).total["cycles"])
        self.assertEqual(base, BASE_CYCLES)

    def test_autograd_function_gradient_equals_finite_differences(self):
        # torch's gradcheck compares the Function's backward (nce's gradient) with central
        # differences of its forward (nce's expected cost).
        generator = torch.Generator().manual_seed(5)
        logits = [torch.randn(4, dtype=torch.float64, generator=generator, requires_grad=True) for _ in range(2)]
        scale = 1.0 / BASE_CYCLES  # keep the values O(1) for gradcheck's tolerances
        f = lambda a, b: example.expected_cost(self.cost, [a, b]) * scale
        self.assertTrue(torch.autograd.gradcheck(f, logits, eps=1e-6, atol=1e-8, rtol=1e-6))
        value = example.expected_cost(self.cost, logits)
        value.backward()
        _, gradient = self.cost.evaluate_logits([l.detach().numpy() for l in logits])
        for l, g in zip(logits, gradient):
            np.testing.assert_array_equal(l.grad.numpy(), g)

    def test_training_steps(self):
        first = example.run(steps=5)
        again = example.run(steps=5)
        self.assertEqual(first["history"], again["history"])  # deterministic
        history = first["history"]
        self.assertEqual(len(history), 5)
        self.assertEqual(history[0]["expected_cycles"], UNIFORM_EXPECTED_CYCLES)
        self.assertAlmostEqual(history[0]["hardware_loss"], UNIFORM_EXPECTED_CYCLES / BASE_CYCLES, places=12)
        # The hardware loss pulls the width distributions to cheaper candidates at every step.
        cycles = [h["expected_cycles"] for h in history]
        self.assertTrue(all(b < a for a, b in zip(cycles, cycles[1:])), cycles)
        self.assertTrue(all(np.isfinite(h["task_loss"]) for h in history))
        # The derived network: nce's prediction equals the SystemC model's cycles.
        self.assertEqual(first["derived_predicted_cycles"], first["derived_simulated_cycles"])
        self.assertEqual(first["derived_simulated_cycles"], sum(first["derived_layer_cycles"].values()))

    def test_example_runs_as_a_script(self):
        out = subprocess.run([sys.executable, EXAMPLE, "--steps", "3", "--json"], check=True, capture_output=True,
                             text=True, timeout=600)
        summary = json.loads(out.stdout)
        self.assertEqual(summary["config"], "16x16 ws")
        self.assertEqual(summary["base_cycles"], BASE_CYCLES)
        self.assertEqual(len(summary["history"]), 3)
        self.assertEqual(summary["history"][0]["expected_cycles"], UNIFORM_EXPECTED_CYCLES)
        self.assertEqual(summary["derived_predicted_cycles"], summary["derived_simulated_cycles"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
