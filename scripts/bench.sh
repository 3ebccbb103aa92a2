#!/usr/bin/env bash
# Builds imeirestore optimised in ./build-bench and runs every benchmark
# program (bench/bench-*). Benchmarks print figures; none fails on a time.
# Arguments are passed to every benchmark (e.g. the number of runs).
set -euo pipefail
cd "$(dirname "$0")/.."

./scripts/setup.sh

dir=build-bench
if [ -d "$dir" ]; then
  meson setup --reconfigure "$dir" -Dbuildtype=release -Dtests=false >/dev/null
else
  meson setup "$dir" -Dbuildtype=release -Dtests=false >/dev/null
fi
meson compile -C "$dir" >/dev/null

status=0
found=0
for exe in "$dir"/bench/bench-*; do
  [ -f "$exe" ] && [ -x "$exe" ] || continue
  found=1
  echo "== $(basename "$exe")"
  IMEI_SIM="$PWD/$dir/src/sim/imei-sim" "$exe" "$@" || status=1
  echo
done
if [ "$found" -eq 0 ]; then
  echo "bench: no benchmark programs in $dir/bench" >&2
  exit 1
fi
exit $status
