"""The Python module nce (python/, docs/PYTHON.md): workloads, configs, cost tables, expected
costs with their gradients, simulation. Run by ctest with PYTHONPATH=<build>/python."""
import os
import unittest

import numpy as np

import nce

# 3x3 conv, stride 1, padding 1, 16 channels in, on an 8x8 map, W2A2: the layer whose cycles on
# the default 16x16 WS array tests/sim/timing_test.cpp derives by hand.
STAIRCASE = """
format: nce-workload/1
name: staircase{out}
input: {{channels: 16, height: 8, width: 8}}
layers:
  - {{name: conv, type: conv, out_channels: {out}, kernel: 3, padding: 1}}
"""


def staircase(out_channels):
    return nce.workload_from_yaml(STAIRCASE.format(out=out_channels))


def central_difference(f, vectors, h):
    """d f / d vectors[d][k] by central differences."""
    out = []
    for d, v in enumerate(vectors):
        g = np.zeros_like(v)
        for k in range(len(v)):
            plus = [x.copy() for x in vectors]
            minus = [x.copy() for x in vectors]
            plus[d][k] += h
            minus[d][k] -= h
            g[k] = (f(plus) - f(minus)) / (2 * h)
        out.append(g)
    return out


class Workloads(unittest.TestCase):
    def test_zoo_totals(self):
        w = nce.load_workload("resnet20")
        self.assertIn("resnet20", nce.zoo_names())
        self.assertEqual(w.name, "resnet20")
        self.assertEqual(w.input, (3, 32, 32))
        self.assertEqual(w.totals()["macs"], 40_813_184)  # tests/workloads/zoo_test.cpp
        self.assertEqual(sum(l["macs"] for l in w.layers()), 40_813_184)
        self.assertEqual(len(w), len(w.layer_names))

    def test_layer_gemm_dims(self):
        layer = staircase(16).layer("conv")
        self.assertEqual(layer["gemm"], {"k": 144, "m": 16, "n": 64, "groups": 1})
        self.assertEqual(layer["in_shape"], (16, 8, 8))
        self.assertEqual(layer["macs"], 144 * 16 * 64)
        self.assertEqual((layer["weight_bits"], layer["act_bits"]), (2, 2))

    def test_file_round_trip_and_errors(self):
        w = nce.load_workload("resnet20")
        self.assertEqual(nce.workload_from_yaml(w.to_yaml()), w)
        with self.assertRaises(nce.InputError):
            nce.load_workload("no-such-network")
        with self.assertRaises(ValueError):  # nce.InputError is a ValueError
            nce.workload_from_yaml("format: nce-workload/1\nname: x\n")
        with self.assertRaises(nce.InputError):
            w.with_widths({"no-such-layer": 3})

    def test_derive_widths(self):
        w = nce.load_workload("resnet20")
        derived = w.derive({"stage1.block0.conv_a": 8})
        self.assertEqual(derived.layer("stage1.block0.conv_a")["out_channels"], 8)
        self.assertEqual(derived.layer("stage1.block0.conv_b")["in_shape"], (8, 32, 32))


class Configs(unittest.TestCase):
    def test_default_and_overrides(self):
        c = nce.load_config()
        self.assertEqual((c.rows, c.cols, c.dataflow, c.pes), (16, 16, "ws", 256))
        self.assertEqual(c, nce.default_config())
        self.assertTrue(os.path.exists(os.path.join(nce.config_dir(), "default.yaml")))
        o = nce.load_config(array="32x32", dataflow="os", set={"buffers.ofmap.capacity_kib": 128, "dram.latency_cycles": 50})
        self.assertEqual((o.rows, o.cols, o.dataflow), (32, 32, "os"))
        self.assertEqual(o.buffers["ofmap"]["capacity_kib"], 128)
        self.assertEqual(o.dram["latency_cycles"], 50)
        # --set applies after --array, as in the program.
        s = nce.load_config(array=(32, 32), set=["array.rows=8"])
        self.assertEqual((s.rows, s.cols), (8, 32))
        self.assertEqual(nce.load_config(set={"array.offload_wide_layers": True}).offload_wide_layers, True)

    def test_file_and_bad_input(self):
        path = os.path.join(nce.config_dir(), "default.yaml")
        self.assertEqual(nce.load_config(path), nce.load_config())
        scalesim = os.path.join(nce.config_dir(), "scalesim_32x32_os.cfg")
        self.assertEqual(nce.evaluate(staircase(16), scalesim).config, nce.load_config(scalesim))
        self.assertEqual((nce.load_config(scalesim).rows, nce.load_config(scalesim).dataflow), (32, "os"))
        with self.assertRaises(nce.InputError):
            nce.load_config(array="16by16")
        with self.assertRaises(nce.InputError):
            nce.load_config(dataflow="diagonal")
        with self.assertRaises(nce.InputError):
            nce.load_config(set={"buffers.ifmap.capacity_kib": 0})


class Simulation(unittest.TestCase):
    def test_hand_derived_cycles(self):
        # tests/sim/timing_test.cpp, SixteenChannelConvTakesTheHandDerivedCycles.
        for result in (nce.simulate(staircase(16)), nce.evaluate(staircase(16))):
            s = result.layer("conv")
            self.assertEqual(s["cycles"], 959)
            self.assertEqual(s["compute_cycles"], 576)
            self.assertEqual(s["stall_stationary_load"], 16)
            self.assertEqual(s["stall_fill_drain"], 31)
            self.assertEqual(s["stall_other"], 0)
            self.assertEqual(s["stall_dram"], 959 - 623)
            self.assertEqual(s["dram_read_bytes"], 256 + 576)
            self.assertEqual(s["dram_write_bytes"], 256)
            self.assertEqual(s["psum_readback_words"], 8 * 64)
            self.assertEqual(s["array_macs"], 144 * 16 * 64)
            self.assertAlmostEqual(s["utilization"], 144 * 16 * 64 / (256 * 959), places=12)
            self.assertAlmostEqual(s["latency_us"], 959 / 500.0, places=12)
        # OutputChannelStaircaseOnSixteenColumns: 17 channels need a second column tile.
        s17 = nce.simulate(staircase(17)).layer("conv")
        self.assertEqual(s17["compute_cycles"], 1152)
        self.assertEqual(s17["cycles"] - s17["stall_dram"], 1231)

    def test_systemc_equals_analytical_in_every_field(self):
        w = nce.load_workload("resnet20")
        config = nce.load_config(array="8x8")
        simulated = nce.simulate(w, config)
        analytical = nce.evaluate(w, config, model="analytical")
        self.assertEqual(simulated.model, "systemc")
        self.assertEqual(analytical.model, "analytical")
        self.assertEqual(simulated.layers, analytical.layers)
        self.assertEqual(simulated.total, analytical.total)
        arrays = simulated.arrays()
        self.assertEqual(list(arrays["layer"]), w.layer_names)
        self.assertEqual(arrays["cycles"].dtype, np.int64)
        self.assertEqual(int(arrays["cycles"].sum()), simulated.total["cycles"])
        self.assertAlmostEqual(float(arrays["energy_pj"].sum()), simulated.total["energy_pj"], delta=1e-6 * simulated.total["energy_pj"])
        self.assertFalse(arrays["on_array"][w.layer_names.index("stage1.block0.add")])

    def test_rtl_pe_model_gives_the_same_statistics(self):
        # The verilated array (--pe-model rtl) inside the module: tests/sim/rtl_equivalence_test.cpp.
        w = nce.load_workload("resnet20")
        self.assertEqual(nce.simulate(w, pe_model="rtl").layers, nce.simulate(w).layers)
        with self.assertRaises(nce.InputError):
            nce.simulate(w, pe_model="transistor")


class CostTables(unittest.TestCase):
    def test_candidates(self):
        self.assertEqual(nce.width_candidates("resnet20", "0.5,1.0")["stage3.block0.conv_a"], [32, 64])
        self.assertEqual(nce.width_candidates("resnet20", [0.25, 0.5])["stage1.block0.conv_a"], [4, 8])
        # TAS's ratios 0.3, 0.4, ..., 1.0 of 16 channels, rounded.
        self.assertEqual(nce.tas_candidates("resnet20")["stage1.block0.conv_a"], [5, 6, 8, 10, 11, 13, 14, 16])
        self.assertEqual(len(nce.width_candidates("resnet20")), len(nce.load_workload("resnet20").searchable_layers))

    def test_cells_are_the_cost_model(self):
        w = nce.load_workload("resnet20")
        table = nce.cost_table(w, widths="0.5,1.0", cache_dir=False)
        conv_fc = [l for l in w.layers() if l["type"] in ("conv", "fc")]
        self.assertEqual([t.name for t in table.layers], [l["name"] for l in conv_fc])
        base = nce.evaluate(w)
        for t in table.layers:
            layer = w.layer(t.name)
            i = t.in_widths.index(layer["in_shape"][0])
            j = t.out_widths.index(layer["out_channels"])
            self.assertEqual(t.cycles[i, j], base.layer(t.name)["cycles"])
            self.assertAlmostEqual(t.energy_pj[i, j], base.layer(t.name)["energy_pj"], delta=1e-9 * t.energy_pj[i, j])
            self.assertEqual(t.macs[i, j], layer["macs"])
        t = table.layer("stage2.block1.conv_b")  # input: conv_a's decision
        self.assertEqual(t.in_widths, [16, 32])
        self.assertEqual(t.out_widths, [16, 32])
        cell = nce.layer_cost(w, t.name, in_channels=16, out_channels=32)
        self.assertEqual(t.cycles[0, 1], cell["cycles"])
        self.assertEqual(t.array("cycles")[0, 1], float(cell["cycles"]))
        # The SystemC model prices the same cell identically.
        self.assertEqual(nce.layer_cost(w, t.name, in_channels=16, out_channels=32, model="simulated")["cycles"], cell["cycles"])
        d = table.to_dict()
        self.assertEqual(d["layers"][0]["cycles"], table.layers[0].cycles.tolist())

    def test_cache_round_trip(self):
        import tempfile
        with tempfile.TemporaryDirectory() as cache:
            first = nce.cost_table("resnet20", widths="0.5:1.0:0.25", cache_dir=cache)
            second = nce.cost_table("resnet20", widths="0.5:1.0:0.25", cache_dir=cache)
            self.assertGreater(first.stats["evaluated"], 0)
            self.assertEqual(second.stats["evaluated"], 0)
            self.assertEqual(second.stats["from_cache"], first.stats["evaluated"])
            self.assertEqual(first.to_dict(), second.to_dict())


class ExpectedCosts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.workload = nce.load_workload("resnet20")
        cls.cost = nce.ExpectedCost(cls.workload, None, "0.5:1.0:0.25", metric="cycles", cache_dir=False)

    def test_gradient_equals_finite_differences(self):
        rng = np.random.default_rng(7)
        cost = self.cost
        sizes = [len(cost.widths[l]) for l in cost.layers]
        probabilities = [rng.dirichlet(np.ones(n)) for n in sizes]
        value, gradient = cost.evaluate(probabilities)
        # E is multilinear in the probability vectors: central differences are exact up to rounding.
        numeric = central_difference(lambda p: cost.evaluate(p)[0], probabilities, 1e-3)
        for layer, g, n in zip(cost.layers, gradient, numeric):
            np.testing.assert_allclose(g, n, rtol=1e-7, atol=1e-6 * value, err_msg=layer)
        logits = [rng.normal(size=n) for n in sizes]
        lvalue, lgradient = cost.evaluate_logits(logits)
        self.assertAlmostEqual(lvalue, cost.evaluate([np.exp(l) / np.exp(l).sum() for l in logits])[0], delta=1e-9 * lvalue)
        numeric = central_difference(lambda t: cost.evaluate_logits(t)[0], logits, 1e-5)
        for layer, g, n in zip(cost.layers, lgradient, numeric):
            np.testing.assert_allclose(g, n, rtol=1e-5, atol=1e-7 * lvalue, err_msg=layer)

    def test_one_hot_is_the_derived_networks_cycles(self):
        cost = self.cost
        rng = np.random.default_rng(3)
        for _ in range(3):
            choice = {l: int(rng.choice(cost.widths[l])) for l in cost.layers}
            one_hot = [np.eye(len(cost.widths[l]))[cost.widths[l].index(choice[l])] for l in cost.layers]
            derived = self.workload.derive(choice)
            self.assertEqual(cost.evaluate(one_hot)[0], nce.evaluate(derived).total["cycles"])
            self.assertEqual(cost.cost_of(choice), nce.evaluate(derived).total["cycles"])
        base = {l: cost.widths[l][-1] for l in cost.layers}
        self.assertEqual(cost.cost_of(base), nce.evaluate(self.workload).total["cycles"])

    def test_dict_arguments_and_errors(self):
        cost = self.cost
        uniform = {l: np.full(len(cost.widths[l]), 1 / len(cost.widths[l])) for l in cost.layers}
        self.assertEqual(cost.evaluate(uniform)[0], cost.evaluate([uniform[l] for l in cost.layers])[0])
        with self.assertRaises(nce.InputError):
            cost.evaluate([np.ones(2)])
        with self.assertRaises(nce.InputError):
            cost.cost_of({cost.layers[0]: 3})

    def test_precision_gradient_equals_finite_differences(self):
        cost = nce.PrecisionCost("resnet20", None, [2, 3, 4], metric="cycles", cache_dir=False)
        self.assertEqual(cost.bits, [2, 3, 4])
        self.assertEqual(cost.base_cost(), nce.evaluate("resnet20").total["cycles"])
        rng = np.random.default_rng(11)
        n = len(cost.layers)
        p = [rng.dirichlet(np.ones(3)) for _ in range(n)]
        q = [rng.dirichlet(np.ones(3)) for _ in range(n)]
        value, dp, dq = cost.evaluate(p, q)
        numeric_p = central_difference(lambda v: cost.evaluate(v, q)[0], p, 1e-3)
        numeric_q = central_difference(lambda v: cost.evaluate(p, v)[0], q, 1e-3)
        for a, b in zip(dp + dq, numeric_p + numeric_q):
            np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-6 * value)
        tw = [rng.normal(size=3) for _ in range(n)]
        ta = [rng.normal(size=3) for _ in range(n)]
        value, gw, ga = cost.evaluate_logits(tw, ta, tau=2.0)
        numeric_w = central_difference(lambda v: cost.evaluate_logits(v, ta, tau=2.0)[0], tw, 1e-5)
        numeric_a = central_difference(lambda v: cost.evaluate_logits(tw, v, tau=2.0)[0], ta, 1e-5)
        for a, b in zip(gw + ga, numeric_w + numeric_a):
            np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7 * value)
        # One layer at W4A3, the rest at their own precision: the derived network's cycles.
        layer = cost.layers[0]
        choice = {l: (2, 2) for l in cost.layers}
        choice[layer] = (4, 3)
        derived = nce.load_workload("resnet20").with_precisions({layer: (4, 3)})
        self.assertEqual(cost.cost_of(choice), nce.evaluate(derived).total["cycles"])


if __name__ == "__main__":
    unittest.main(verbosity=2)
