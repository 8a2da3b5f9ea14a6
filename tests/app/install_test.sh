#!/bin/sh
# The program as users get it: installed to a fresh prefix, run from /, with no source or build
# tree to lean on. Usage: install_test.sh BUILD_DIR
set -eu
build="$1"
prefix="$(mktemp -d)"
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" > "$prefix/install.log"
test -x "$prefix/bin/nce"
test -f "$prefix/share/nce/configs/default.yaml"
test -f "$prefix/share/nce/configs/energy/horowitz45.yaml"
unset NCE_CONFIG_DIR || true
cd /
"$prefix/bin/nce" simulate --workload resnet20 --out "$prefix/out/sim" > "$prefix/sim.log"
grep -q "resnet20 on 16x16 ws" "$prefix/sim.log"
test -f "$prefix/out/sim/report.html"
grep -q "$prefix/share/nce/configs/default.yaml" "$prefix/out/sim/summary.json"
"$prefix/bin/nce" cost-table --workload resnet20 --explain-energy > "$prefix/energy.log"
grep -q "$prefix/share/nce/configs/synth/mac_pe_cells.yaml" "$prefix/energy.log"
"$prefix/bin/nce" search --model resnet20 --train-limit 256 --test-limit 64 --batch 32 --warmup-epochs 1 \
  --search-epochs 1 --threads 1 --out "$prefix/out/search" > "$prefix/search.log" 2>&1 ||
  { cat "$prefix/search.log"; exit 1; }
test -f "$prefix/out/search/derived.yaml"
test -f "$prefix/out/search/report.html"
echo "installed nce ran simulate, cost-table and search from /"
