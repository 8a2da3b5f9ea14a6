#!/usr/bin/env python3
"""The search experiment: NCE vs TAS vs WRPN vs plain on the array's cycles (docs/NCE.md).

ResNet20 on the full Fashion-MNIST training set (the search splits it into equal D_weight and
D_arch halves), W2A2 body, the default 16x16 weight-stationary array, targets at the plain
network's cost. Every derived network is retrained from scratch with one schedule, three seeds.

Resumable: a finished run (search: report.html; training: summary.json) is kept and skipped; an
interrupted one continues with --resume from its checkpoint. Runs go side by side, one thread
each. Each finished retraining is appended to bench/RESULTS.md ("Search experiment: runs as they
complete"); the table (mean +- std per variant, with the evidence that the search acted) is
written to OUT/table.md after every run and appended to bench/RESULTS.md when all are done.

Usage: bench/nce_experiment.py --nce BIN [--out runs/nce-experiment] [--dry-run]
"""
import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time

RESNET = "resnet20"

# Search variants: name -> extra flags of `nce search`. All target the plain network's cost.
SEARCHES = {
    "plain": ["--method", "plain", "--hw-loss", "latency"],
    "tas-latency": ["--method", "tas", "--hw-loss", "latency"],
    "nce-flops": ["--method", "nce", "--hw-loss", "flops"],
    "nce-params": ["--method", "nce", "--hw-loss", "params"],
    "nce-latency": ["--method", "nce", "--hw-loss", "latency"],
    "nce-energy": ["--method", "nce", "--hw-loss", "energy"],
    "nce-latency-array": ["--method", "nce", "--hw-loss", "latency", "--candidates", "array"],
    "nce-latency-projection": ["--method", "nce", "--hw-loss", "latency", "--join", "projection-w8a8"],
    "nce-latency-32x32": ["--method", "nce", "--hw-loss", "latency", "--array", "32x32"],
    "tas-latency-32x32": ["--method", "tas", "--hw-loss", "latency", "--array", "32x32"],
    # Mixed precision on the same array and budget (EBS, bits 2..4 per layer).
    "ebs-latency": ["--method", "ebs", "--hw-loss", "latency"],
}
# Uniform higher precisions of the plain network: references for the mixed-precision comparison,
# retrained with --bits B and simulated at that precision.
UNIFORM = {"w3a3": 3, "w4a4": 4}
# Order of the table: references first.
VARIANTS = ["w32a32", "plain", "wrpn", "w3a3", "w4a4"] + [v for v in SEARCHES if v != "plain"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--nce", required=True, help="the nce binary (an installed copy, so rebuilds do not change it)")
    p.add_argument("--out", default="runs/nce-experiment")
    p.add_argument("--results", default="bench/RESULTS.md")
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seeds", default="1,2,3")
    p.add_argument("--warmup-epochs", type=int, default=3)
    p.add_argument("--search-epochs", type=int, default=10)
    p.add_argument("--arch-lr", type=float, default=0.01)
    p.add_argument("--threshold", type=float, default=0.3)
    p.add_argument("--batch", type=int, default=128)
    p.add_argument("--retrain-epochs", type=int, default=6)
    p.add_argument("--recipe", default="", help="quantizer recipe flags for search and training, e.g. '--alpha-init calibrated'")
    p.add_argument("--train-limit", type=int, default=0,
                   help="use the first N training images for search and retraining (0: all 60,000)")
    p.add_argument("--search-test-limit", type=int, default=0,
                   help="test images the search evaluates after each epoch (0: all); retraining always tests on all")
    p.add_argument("--variants", default="",
                   help="comma-separated subset of the table's variants to run, in this priority (default: all)")
    p.add_argument("--limit", type=int, default=0, help="smoke tests only: use the first N training images")
    p.add_argument("--dry-run", action="store_true", help="print the runs and exit")
    return p.parse_args()


class Task:
    def __init__(self, name, command, done, deps=(), log=None, on_done=None, resume_marker=None):
        self.name, self.command, self.done_marker, self.deps = name, command, done, list(deps)
        self.log, self.on_done, self.resume_marker = log, on_done, resume_marker
        self.state = "done" if os.path.exists(done) else "waiting"

    def argv(self):
        command = self.command() if callable(self.command) else list(self.command)
        if self.resume_marker and os.path.exists(self.resume_marker):
            command.append("--resume")
        return command


def wrpn_multiplier(args, out):
    """The largest uniform multiplier (in steps of 1/16) whose network costs at most the plain
    network's cycles x 1.05 (the search targets' tolerance) on the default array."""
    cache = os.path.join(out, "wrpn_multiplier.json")
    if os.path.exists(cache):
        return json.load(open(cache))["multiplier"]
    def cycles(method, m):
        run = os.path.join(out, "wrpn-probe", f"{method}-{m}")
        subprocess.run([args.nce, "search", "--model", RESNET, "--method", method, "--wrpn-multiplier", str(m),
                        "--train-limit", "64", "--test-limit", "16", "--batch", "32", "--threads", "1", "--out", run],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return json.load(open(os.path.join(run, "derived-sim", "summary.json")))["total_cycles"]
    plain = cycles("plain", 1.0)
    best, table = 1.0, {}
    for k in range(16, 33):
        m = k / 16
        c = cycles("wrpn", m)
        table[str(m)] = c
        if c <= 1.05 * plain:
            best = m
    json.dump({"multiplier": best, "plain_cycles": plain, "cycles": table}, open(cache, "w"), indent=1)
    return best


def search_evidence(run):
    """How the distribution moved: median over layers of the largest candidate probability at the
    start and the end, and the expansions."""
    initial = os.path.join(run, "initial.json")
    log = os.path.join(run, "search.jsonl")
    if not (os.path.exists(initial) and os.path.exists(log)):
        return "-", "-"
    start = json.load(open(initial))
    epochs = [json.loads(line) for line in open(log) if line.strip()]
    if not epochs:
        return "-", "-"
    end = epochs[-1]["probabilities"]
    top = lambda d: statistics.median(max(p) for p in d.values())
    expansions = sum(len(e["expansions"]) for e in epochs)
    return f"{top(start):.3f} → {top(end):.3f}", str(expansions)


def table(args, out):
    seeds = args.seeds.split(",")
    rows = ["| variant | test accuracy, mean ± std (n) | MACs | params | cycles (SystemC) | energy µJ (SystemC) "
            "| predicted cycles | max p (median over layers), start → end | expansions |",
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for v in VARIANTS:
        accs = []
        for s in seeds:
            f = os.path.join(out, "retrain", f"{v}-s{s}", "summary.json")
            if os.path.exists(f):
                accs.append(100 * json.load(open(f))["test_accuracy"])
        acc = "-"
        if accs:
            std = f"{statistics.stdev(accs):.2f}" if len(accs) > 1 else "n/a"
            acc = f"{statistics.mean(accs):.2f} ± {std} ({len(accs)})"
        search = "plain" if v == "w32a32" or v in UNIFORM else v
        run = os.path.join(out, "search", search)
        sim = os.path.join(run, "derived-sim", "summary.json")
        if v in UNIFORM:
            sim = os.path.join(out, "sim", v, "summary.json")
        macs = params = cycles = energy = predicted = "-"
        if os.path.exists(sim):
            s = json.load(open(sim))
            cycles, energy, macs = f"{s['total_cycles']:,}", f"{s['total_energy_pj'] / 1e6:.2f}", f"{s['macs']:,}"
            log = open(os.path.join(out, "logs", f"search-{search}.log")).read()
            m = re.search(r"params ([\d,]+) \(plain", log)
            params = m.group(1) if m else "-"
            m = re.search(r"search predicted ([\d,]+) cycles", log)
            predicted = m.group(1) if m and v not in UNIFORM else "-"
        moved, expansions = search_evidence(run) if v in SEARCHES and v != "plain" else ("-", "-")
        name = "W32A32 (plain widths)" if v == "w32a32" else v
        if v == "wrpn":
            probe = json.load(open(os.path.join(out, "wrpn_multiplier.json")))
            if probe["multiplier"] == 1.0:
                rows.append(f"| wrpn | = plain: no uniform multiplier above 1 stays within the plain network's cycles "
                            f"x 1.05 (x1.0625 already costs {probe['cycles']['1.0625']:,} cycles) | | | | | | | |")
                continue
            name = f"wrpn x{probe['multiplier']}"
        rows.append(f"| {name} | {acc} | {macs} | {params} | {cycles} | {energy} | {predicted} | {moved} | {expansions} |")
    return "\n".join(rows) + "\n"


def main():
    args = parse_args()
    out = args.out
    for d in ("search", "retrain", "logs"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    recipe = args.recipe.split()
    search_limits = []
    if args.limit:
        recipe += ["--train-limit", str(args.limit), "--test-limit", str(max(16, args.limit // 4))]
    elif args.train_limit:
        recipe += ["--train-limit", str(args.train_limit)]
    if args.search_test_limit and not args.limit:
        search_limits = ["--test-limit", str(args.search_test_limit)]
    wanted = [v for v in args.variants.split(",") if v] or VARIANTS
    unknown = [v for v in wanted if v not in VARIANTS]
    if unknown:
        sys.exit(f"nce_experiment.py: unknown variant(s) {', '.join(unknown)}; known: {', '.join(VARIANTS)}")
    # A reference needs the plain search; w3a3/w4a4 need their simulation too.
    needed_searches = {"plain" if v == "w32a32" or v in UNIFORM or v == "wrpn" else v for v in wanted}
    seeds = args.seeds.split(",")
    lock = threading.Lock()

    def append_result(line):
        with lock, open(args.results, "a") as f:
            f.write(line + "\n")

    tasks = []
    search_common = ["--model", RESNET, "--dataset", "fashion-mnist", "--bits", "2", "--target", "1.0",
                     "--warmup-epochs", str(args.warmup_epochs), "--search-epochs", str(args.search_epochs),
                     "--arch-lr", str(args.arch_lr), "--threshold", str(args.threshold), "--batch", str(args.batch),
                     "--seed", "1", "--threads", "1"] + recipe + search_limits
    searches = {v: f for v, f in SEARCHES.items() if v in needed_searches}
    for v, flags in searches.items():
        run = os.path.join(out, "search", v)
        tasks.append(Task(f"search {v}", [args.nce, "search"] + search_common + flags + ["--out", run],
                          os.path.join(run, "report.html"), log=os.path.join(out, "logs", f"search-{v}.log"),
                          resume_marker=os.path.join(run, "checkpoint.bin")))
    # WRPN at the plain network's cycles. On a weight-stationary array every width just above a
    # multiple of the columns adds a column fold, so no multiplier above 1 may fit: WRPN is then
    # the plain network and is not run twice.
    multiplier = wrpn_multiplier(args, out)
    variants = [v for v in wanted if v != "wrpn" or multiplier > 1.0]
    if multiplier > 1.0 and "wrpn" in wanted:
        wrpn_run = os.path.join(out, "search", "wrpn")
        tasks.append(Task("search wrpn", [args.nce, "search"] + search_common +
                          ["--method", "wrpn", "--hw-loss", "latency", "--wrpn-multiplier", str(multiplier),
                           "--out", wrpn_run],
                          os.path.join(wrpn_run, "report.html"), log=os.path.join(out, "logs", "search-wrpn.log")))
    for v, bits in UNIFORM.items():
        if v not in wanted:
            continue
        # The plain network at a uniform precision, simulated on the array.
        def uniform_sim(v=v, bits=bits):
            text = open(os.path.join(out, "search", "plain", "derived.yaml")).read()
            model = os.path.join(out, "sim", f"{v}.yaml")
            os.makedirs(os.path.dirname(model), exist_ok=True)
            with open(model, "w") as f:
                f.write(text.replace("weight_bits: 2, act_bits: 2", f"weight_bits: {bits}, act_bits: {bits}"))
            return [args.nce, "simulate", "--workload", model, "--out", os.path.join(out, "sim", v)]
        tasks.append(Task(f"simulate {v}", uniform_sim, os.path.join(out, "sim", v, "summary.json"),
                          deps=["search plain"], log=os.path.join(out, "logs", f"simulate-{v}.log")))
    for v in variants:
        for s in seeds:
            run = os.path.join(out, "retrain", f"{v}-s{s}")
            model = os.path.join(out, "search", "plain" if v == "w32a32" or v in UNIFORM else v, "derived.yaml")
            bits = ["--bits", "32"] if v == "w32a32" else ["--bits", str(UNIFORM[v])] if v in UNIFORM else []
            command = [args.nce, "train", "--model", model, "--dataset", "fashion-mnist", "--epochs",
                       str(args.retrain_epochs), "--batch", str(args.batch), "--seed", s, "--threads", "1",
                       "--out", run] + bits + recipe

            def done(v=v, s=s, run=run, command=command):
                acc = 100 * json.load(open(os.path.join(run, "summary.json")))["test_accuracy"]
                append_result(f"- {time.strftime('%Y-%m-%d %H:%M')} {v} seed {s}: test accuracy {acc:.2f}% "
                              f"(`{' '.join(command)}`)")
            tasks.append(Task(f"train {v} s{s}", command, os.path.join(run, "summary.json"),
                              deps=[f"search {'plain' if v == 'w32a32' or v in UNIFORM else v}"],
                              log=os.path.join(out, "logs", f"train-{v}-s{s}.log"), on_done=done,
                              resume_marker=os.path.join(run, "checkpoint.bin")))
    by_name = {t.name: t for t in tasks}
    # Longest first: the searches, the references' retrainings alongside them.
    order = [t for t in tasks if not t.name.startswith("train")] + [t for t in tasks if t.name.startswith("train")]
    order.sort(key=lambda t: (t.name.startswith("train") and
                              not t.name.startswith(("train plain", "train w32a32", "train w3a3", "train w4a4"))))
    if args.variants:
        # Explicit priority: by variant in the order given (a search before its retrainings),
        # then by seed, so the first variants finish all their seeds first.
        def rank(t):
            words = t.name.split()
            v = words[1]
            v = "plain" if v == "wrpn" and "wrpn" not in wanted else v
            return (wanted.index(v) if v in wanted else 0, t.name.startswith("train"), t.name)
        order.sort(key=rank)
    if args.dry_run:
        for t in order:
            print(t.state, t.name, "after", t.deps or "-")
        return
    pending = [t for t in order if t.state != "done"]
    print(f"{len(tasks) - len(pending)} of {len(tasks)} runs already done; {len(pending)} to go, {args.jobs} at a time",
          flush=True)
    if not any(t.state == "done" for t in tasks) and pending:
        append_result(f"\n### Search experiment: runs as they complete ({time.strftime('%Y-%m-%d')}, "
                      f"warm-up {args.warmup_epochs} + search {args.search_epochs} epochs, arch lr {args.arch_lr}, "
                      f"threshold {args.threshold}, batch {args.batch}, retraining {args.retrain_epochs} epochs, "
                      f"training images {args.train_limit or 60000}, recipe '{args.recipe or 'defaults'}'; "
                      f"`{' '.join(sys.argv)}`)\n")
    running = {}
    started = time.time()
    while pending or running:
        for t in list(running):
            code = running[t].poll()
            if code is None:
                continue
            del running[t]
            if code == 0 and os.path.exists(t.done_marker):
                t.state = "done"
                if t.on_done:
                    t.on_done()
                with open(os.path.join(out, "table.md"), "w") as f:
                    f.write(table(args, out))
            else:
                t.state = "failed"
                print(f"FAILED {t.name} (exit {code}); log: {t.log}", flush=True)
        ready = [t for t in pending if all(by_name[d].state == "done" for d in t.deps)]
        blocked = [t for t in pending if any(by_name[d].state == "failed" for d in t.deps)]
        for t in blocked:
            t.state = "failed"
            pending.remove(t)
        while ready and len(running) < args.jobs:
            t = ready.pop(0)
            pending.remove(t)
            argv = t.argv()
            print(f"[{(time.time() - started) / 3600:5.2f} h] start {t.name}: {' '.join(argv)}", flush=True)
            log = open(t.log, "a")
            running[t] = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT,
                                          env=dict(os.environ, SC_COPYRIGHT_MESSAGE="DISABLE", OMP_WAIT_POLICY="passive"))
        if not ready and not running and pending:
            break  # everything left waits on a failed run
        time.sleep(5)
    text = table(args, out)
    with open(os.path.join(out, "table.md"), "w") as f:
        f.write(text)
    print(text)
    failed = [t.name for t in tasks if t.state == "failed"]
    if failed:
        print("failed:", ", ".join(failed))
        sys.exit(1)
    append_result("\n#### Search experiment: table (all runs done)\n\n" + text)


if __name__ == "__main__":
    main()
