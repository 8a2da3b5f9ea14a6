#!/usr/bin/env bash
# The README's two commands:
#   scripts/quickstart.sh run    install what is missing, build (Release), run the main job
#   scripts/quickstart.sh test   install what is missing, build (Release), run the whole test suite
set -euo pipefail
cd "$(dirname "$0")/.."

mode=${1:-run}
case "$mode" in
  run|test) ;;
  *) echo "usage: scripts/quickstart.sh run|test" >&2; exit 2 ;;
esac

# --- 1. Debian packages -------------------------------------------------------------------
mapfile -t wanted < <(grep -v -e '^#' -e '^[[:space:]]*$' scripts/debian-packages.txt)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  if [[ $(id -u) -eq 0 ]]; then
    echo "== installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  else
    echo "missing Debian packages; install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 2
  fi
fi

# --- 2. Configure and build (Release) ------------------------------------------------------
jobs=$(nproc)
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build --parallel "$jobs"

# --- 3. Main job or test suite -------------------------------------------------------------
export SC_COPYRIGHT_MESSAGE=DISABLE
if [[ $mode == test ]]; then
  cd build
  exec ctest --output-on-failure --parallel "$jobs" --timeout 900
fi
exec scripts/main-job.sh
