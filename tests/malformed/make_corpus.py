#!/usr/bin/env python3
"""Writes the malformed-input corpus (tests/malformed/inputs/) and its manifest (cases.txt).

Each case is one bad input in one of nce's formats and the command that reads it; every case
must exit 2 with exactly one line on stderr (tests/malformed/run_corpus.sh). The files are
checked in; rerun this script after adding a case (it is deterministic: fixed-seed garbage).
"""
import gzip
import os
import random
import struct
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
INPUTS = os.path.join(HERE, "inputs")
rng = random.Random(20261130)
cases = []  # (file spec, nce arguments)


def write(rel, data):
    path = os.path.join(INPUTS, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data.encode() if isinstance(data, str) else data)
    return rel


def garbage(n):
    return bytes(rng.randrange(256) for _ in range(n))


def case(files, args):
    cases.append((files, args))


HEAD = "format: nce-workload/1\nname: bad\ninput: {channels: 1, height: 8, width: 8}\n"
CONV = "  - {name: c1, type: conv, out_channels: 4, kernel: 3, stride: 1, padding: 1, weight_bits: 2, act_bits: 2}\n"

# --- workload files (YAML and JSON) ------------------------------------------------------------
workloads = {
    "empty.yaml": "",
    "garbage.yaml": garbage(512),
    "scalar.yaml": "just a sentence\n",
    "sequence.yaml": "- 1\n- 2\n",
    "no_layers.yaml": HEAD,
    "empty_layers.yaml": HEAD + "layers: []\n",
    "negative_channels.yaml": HEAD + "layers:\n" + CONV.replace("out_channels: 4", "out_channels: -4"),
    "zero_kernel.yaml": HEAD + "layers:\n" + CONV.replace("kernel: 3", "kernel: 0"),
    "kernel_larger_than_input.yaml": HEAD + "layers:\n" + CONV.replace("kernel: 3", "kernel: 31").replace("padding: 1", "padding: 0"),
    "unknown_type.yaml": HEAD + "layers:\n" + CONV.replace("type: conv", "type: attention"),
    "bits_zero.yaml": HEAD + "layers:\n" + CONV.replace("weight_bits: 2", "weight_bits: 0"),
    "text_channels.yaml": HEAD + "layers:\n" + CONV.replace("out_channels: 4", "out_channels: four"),
    "duplicate_names.yaml": HEAD + "layers:\n" + CONV + CONV,
    "dangling_input.yaml": HEAD + "layers:\n" + CONV +
        "  - {name: a, type: add, inputs: [c1, nowhere], act_bits: 2}\n",
    "input_missing.yaml": "format: nce-workload/1\nname: bad\nlayers:\n" + CONV,
    "wrong_format_version.yaml": HEAD.replace("nce-workload/1", "nce-workload/9") + "layers:\n" + CONV,
    "typo_key.yaml": HEAD + "layers:\n" + CONV.replace("out_channels", "out_chanels"),
    "unclosed_flow.yaml": HEAD + "layers:\n  - {name: c1, type: conv, out_channels: 4\n",
    "huge_channels.yaml": HEAD + "layers:\n" + CONV.replace("out_channels: 4", "out_channels: 99999999999"),
    # Valid to show, but training it would need terabytes: refused before the dataset loads.
    "memory_bomb.yaml": "format: nce-workload/1\nname: bomb\ninput: {channels: 1, height: 28, width: 28}\nlayers:\n"
        "  - {name: c1, type: conv, out_channels: 1000000, kernel: 3, stride: 1, padding: 1, weight_bits: 2, act_bits: 2}\n"
        "  - {name: fc, type: fc, out_channels: 10, weight_bits: 8, act_bits: 8}\n",
    "truncated.json": '{"format": "nce-workload/1", "name": "bad", "layers": [',
    "array_root.json": "[1, 2, 3]",
    # Found by fuzz/workload_file_fuzzer.cpp: a field name that is not a plain scalar (here a
    # tag with no text, and a sequence) was an uncaught yaml-cpp conversion error.
    "tagged_key.yaml": HEAD + "layers:\n  - {name: c1, type: conv,!inputs: [x], out_channels: 4}\n",
    "sequence_key.yaml": HEAD + "layers:\n  - {name: c1, type: conv, [a, b]: 4}\n",
}
for name, text in workloads.items():
    write("workload/" + name, text)
    if name != "memory_bomb.yaml":
        case("workload/" + name, "workload show {}")
case("workload/memory_bomb.yaml", "train --model {} --epochs 1 --out {out}")
case("workload/memory_bomb.yaml", "search --model {} --out {out}")

# --- SCALE-Sim topology CSV --------------------------------------------------------------------
CSV_HEAD = "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n"
topologies = {
    "empty.csv": "",
    "header_only.csv": CSV_HEAD,
    "missing_columns.csv": CSV_HEAD + "c1, 8, 8, 3, 3,\n",
    "text_field.csv": CSV_HEAD + "c1, eight, 8, 3, 3, 1, 4, 1,\n",
    "zero_stride.csv": CSV_HEAD + "c1, 8, 8, 3, 3, 1, 4, 0,\n",
    "filter_larger_than_ifmap.csv": CSV_HEAD + "c1, 8, 8, 9, 9, 1, 4, 1,\n",
    "garbage.csv": garbage(300),
}
for name, text in topologies.items():
    write("topology/" + name, text)
    case("topology/" + name, "workload show {}")

# --- accelerator configs (YAML and SCALE-Sim .cfg) ---------------------------------------------
configs = {
    "empty.yaml": "",
    "garbage.yaml": garbage(400),
    "printable_garbage.yaml": "".join(rng.choice("abcdefghij0123456789 ") for _ in range(200)) + "\n",
    "scalar.yaml": "fast\n",
    "sequence.yaml": "- rows: 16\n",
    "negative_rows.yaml": "array: {rows: -16, cols: 16}\n",
    "unknown_dataflow.yaml": "array: {dataflow: rs}\n",
    "unknown_key.yaml": "array: {rowz: 16}\n",
    "zero_sram.yaml": "buffers: {ifmap: {capacity_kib: 0}}\n",
    "unknown_energy.yaml": "energy: tsmc3\n",
    "huge_array.yaml": "array: {rows: 100000, cols: 100000}\n",
    "sequence_key.yaml": "array: {[rows]: 16}\n",
    # Found by fuzz/config_yaml_fuzzer.cpp: an energy preset name longer than a file name may be
    # made std::filesystem::exists throw. A preset is a word, never a path or a multi-line text.
    "long_preset_name.yaml": "energy: " + "h" * 300 + "\n",
    "path_preset_name.yaml": "energy: ../../etc/passwd\n",
    "multiline_preset_name.yaml": "energy: \"horowitz45\\nsecond line\"\n",
}
for name, text in configs.items():
    write("config/" + name, text)
    case("config/" + name, "simulate --workload resnet20 --config {} --out {out}")
cfgs = {
    "empty.cfg": "",
    "no_sections.cfg": "ArrayHeight: 32\n",
    "bad_value.cfg": "[architecture_presets]\nArrayHeight: tall\nArrayWidth: 32\n",
    "bad_dataflow.cfg": "[architecture_presets]\nArrayHeight: 32\nArrayWidth: 32\nDataflow: rs\n",
    "garbage.cfg": garbage(256),
    # Found by fuzz/config_cfg_fuzzer.cpp: a value YAML cannot read was an internal error.
    "bad_escape.cfg": "[architecture_presets]\nArrayHeight: 32\nArrayWidth: \"\\q\n",
}
for name, text in cfgs.items():
    write("config/" + name, text)
    case("config/" + name, "simulate --workload resnet20 --config {} --out {out}")

# --- --set overrides ---------------------------------------------------------------------------
for i, override in enumerate(["array.rows=abc", "nosuch.key=1", "array.rows", "array.rows=-1", "=16",
                              "array.dataflow=diagonal", "clock_mhz=nan",
                              # found by fuzz/set_override_fuzzer.cpp (the long preset name again)
                              "energy=" + "x" * 300]):
    name = write(f"flags/set_{i}.txt", override + "\n")
    case(name, f"simulate --workload resnet20 --set {override} --out {{out}}")

# --- numeric flags -----------------------------------------------------------------------------
flag_cases = [
    "train --model resnet20 --lr 0 --out {out}",
    "train --model resnet20 --lr nan --out {out}",
    "train --model resnet20 --momentum 1.5 --out {out}",
    "train --model resnet20 --weight-decay -1 --out {out}",
    "train --model resnet20 --epochs 0 --out {out}",
    "train --model resnet20 --test-limit -5 --out {out}",
    "train --model resnet20 --threads 0 --out {out}",
    "train --model resnet20 --bits 1 --out {out}",
    "search --model resnet20 --threshold 2 --out {out}",
    "search --model resnet20 --arch-lr inf --out {out}",
    "simulate --workload resnet20 --array 0x16 --out {out}",
    "verify-rtl --array 4096x4096 --tiles 1",
    "cost-table --workload resnet20 --widths 0:1:0",
    "cost-table --workload resnet20 --validate -1",
    "verify-rtl --tiles 0",
    "explore --workload resnet20 --threads -1 --out {out}",
    "explore --workload resnet20 --search --threshold 0 --out {out}",
    "infer --run {out} --batch 0 --out {out}",
    # Resource bombs: a 2.25-million-point grid (its records alone would need ~70 GiB) and one
    # far beyond the 1-million-point cap.
    "explore --workload resnet20 --array 4x4,8x8,16x16,32x32,64x64 --dataflow ws,os,is --widths 0.5:2:0.001 "
    "--set clock_mhz=100,200,300,400,500,600,700,800,900,1000 --set dram.bytes_per_cycle=1,2,3,4,5,6,7,8,9,10 --out {out}",
    "explore --workload resnet20,resnet50 --array 4x4,8x8,16x16,32x32,64x64 --dataflow ws,os,is --widths 0.5:4:0.001 "
    "--set clock_mhz=100,200,300,400,500,600,700,800,900,1000 --out {out}",
]
for i, args in enumerate(flag_cases):
    name = write(f"flags/flag_{i}.txt", args + "\n")
    case(name, args)

# A 3x32x32 network on 1x28x28 Fashion-MNIST.
write("workload/cifar_shaped.yaml", "format: nce-workload/1\nname: cifar-shaped\ninput: {channels: 3, height: 32, width: 32}\n"
      "layers:\n" + CONV + "  - {name: pool, type: pool, pool: global_avg}\n"
      "  - {name: fc, type: fc, out_channels: 10, weight_bits: 8, act_bits: 8}\n")
case("workload/cifar_shaped.yaml", "train --model {} --train-limit 64 --out {out}")
case("workload/cifar_shaped.yaml", "search --model {} --train-limit 64 --out {out}")

# --out naming an existing regular file.
case("workload/empty.yaml>a_file", "simulate --workload resnet20 --out {dir}/a_file")
case("workload/empty.yaml>a_file", "train --model resnet20 --train-limit 64 --out {dir}/a_file")

# --- co-exploration specs (nce explore --spec) -------------------------------------------------
specs = {
    "empty.yaml": "",
    "scalar.yaml": "just a string\n",
    "garbage.yaml": garbage(300),
    "unknown_key.yaml": "workload: resnet20\narrays: 16x16\n",
    "bad_widths.yaml": "workload: resnet20\nwidths: 2:1:0.5\n",
    "sequence_key.yaml": "workload: resnet20\n[arrays]: 16x16\n",
    "set_sequence_key.yaml": "workload: resnet20\nset: {[clock_mhz]: 100}\n",
}
for name, text in specs.items():
    write("explore/" + name, text)
    case("explore/" + name, "explore --spec {} --out {out}")

# --- checkpoints -------------------------------------------------------------------------------
write("checkpoint/empty.bin", b"")
write("checkpoint/garbage.bin", garbage(2048))
# A header-shaped file: magic, then a kind length far beyond the file.
write("checkpoint/huge_length.bin", b"NCECKPT1" + struct.pack("<I", 0xFFFFFFF0) + garbage(64))


def checkpoint(kind, version, blobs):
    """core/include/nce/core/checkpoint.hpp's layout, closed by a correct CRC-32."""
    body = b"NCECKPT1" + struct.pack("<I", len(kind)) + kind.encode() + struct.pack("<IQ", version, len(blobs))
    for name, kind_code, payload in blobs:
        body += struct.pack("<I", len(name)) + name.encode() + struct.pack("<BQ", kind_code, len(payload)) + payload
    return body + struct.pack("<I", zlib.crc32(body))


plausible = checkpoint("train", 1, [("epoch", 2, struct.pack("<q", 1)), ("param:conv1.weight", 1, bytes(4 * 144))])
write("checkpoint/crc_flipped.bin", plausible[:40] + bytes([plausible[40] ^ 0x10]) + plausible[41:])
write("checkpoint/truncated.bin", plausible[: len(plausible) // 2])
write("checkpoint/wrong_kind.bin", checkpoint("explore", 1, [("epoch", 2, struct.pack("<q", 1))]))
write("checkpoint/missing_blobs.bin", checkpoint("train", 1, [("epoch", 2, struct.pack("<q", 1))]))
write("checkpoint/future_version.bin", checkpoint("train", 99, []))
for name in ("empty.bin", "garbage.bin", "huge_length.bin", "crc_flipped.bin", "truncated.bin", "wrong_kind.bin",
             "missing_blobs.bin", "future_version.bin"):
    case(f"checkpoint/{name}>checkpoint.bin", "train --model resnet20 --epochs 1 --train-limit 64 --out {dir} --resume")
    case(f"checkpoint/{name}>checkpoint.bin", "search --model resnet20 --train-limit 64 --out {dir} --resume")

# --- datasets ----------------------------------------------------------------------------------
write("dataset/truncated_images.gz", gzip.compress(struct.pack(">IIII", 0x803, 60000, 28, 28) + garbage(1000), mtime=0))
write("dataset/wrong_magic.gz", gzip.compress(struct.pack(">IIII", 0x1234, 10, 28, 28) + bytes(7840), mtime=0))
write("dataset/not_gzip.gz", garbage(500))
for name in ("truncated_images.gz", "wrong_magic.gz", "not_gzip.gz"):
    case(f"dataset/{name}>train-images-idx3-ubyte.gz", "train --model resnet20 --data-dir {dir} --out {out}")
write("dataset/short_cifar_batch.bin", garbage(3073 * 3 + 100))
case("dataset/short_cifar_batch.bin>data_batch_1.bin", "train --model resnet20 --dataset cifar10 --data-dir {dir} --out {out}")

with open(os.path.join(HERE, "cases.txt"), "w") as f:
    f.write("# Generated by make_corpus.py. FILE[>NAME] | nce arguments. {} is the file; {dir} a fresh\n"
            "# directory holding the file as NAME; {out} a fresh path that must not be created.\n")
    for files, args in cases:
        f.write(f"{files} | {args}\n")
print(f"{len(cases)} cases, {sum(len(fs) for _, _, fs in os.walk(INPUTS))} files")
