#!/bin/sh
# Synthesizes mac_pe at 2, 4 and 8-bit operands and the 16x16 mac_array with Yosys' generic
# gate library and prints cell counts (and Yosys' CMOS transistor estimate) as a Markdown
# table (bench/RESULTS.md), or with --yaml the mac_pe rows in the format of
# configs/synth/mac_pe_cells.yaml (docs/ENERGY.md section 4 uses them).
# Usage: rtl/synth/cell_counts.sh [--yaml]   (from anywhere; needs the Debian `yosys` package)
set -eu
rtl="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

yaml=0
[ "${1:-}" = "--yaml" ] && yaml=1

# synth <label> <top> <chparam settings...>: one Yosys run, one table row.
synth() {
  label="$1"; top="$2"; shift 2
  out="$work/$(echo "$label" | tr -c 'A-Za-z0-9\n' '_')"
  yosys -q -p "read_verilog -sv $rtl/mac_pe.sv $rtl/mac_array.sv; chparam $* $top;
               synth -flatten -top $top; tee -o $out.stat stat; tee -o $out.cmos stat -tech cmos" > /dev/null
  cells=$(awk '/Number of cells:/ {n=$4} END {print n}' "$out.stat")
  dffs=$(awk '/\$_(S?DFF|DFFE)[A-Z0-9_]*_/ {s+=$2} END {print s+0}' "$out.stat")
  transistors=$(awk '/Estimated number of transistors:/ {n=$5} END {print n}' "$out.cmos")
  if [ $yaml -eq 1 ]; then
    echo "  - {bits: $bits, accumulator_bits: $acc, cells: $cells, flip_flops: $dffs, transistors: $transistors}"
  else
    echo "| $label | $cells | $dffs | $transistors |"
  fi
}

if [ $yaml -eq 1 ]; then
  echo "source: \"rtl/synth/cell_counts.sh (Yosys $(yosys -V | awk '{print $2}') generic synthesis of rtl/mac_pe.sv)\""
  echo "mac_pe:"
else
  echo "| design | cells | of which flip-flops | CMOS transistors (Yosys estimate) |"
  echo "| --- | --- | --- | --- |"
fi
for acc in 16 32; do
  for bits in 2 4 8; do
    synth "mac_pe W${bits}A${bits} acc${acc}" mac_pe -set ActWidth $bits -set WeightWidth $bits -set AccWidth $acc
  done
done
[ $yaml -eq 1 ] || synth "mac_array 16x16 W2A2 acc16" mac_array -set Rows 16 -set Cols 16
