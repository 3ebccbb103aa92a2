#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS, seeded
# from its corpus in tests/fuzz/corpus/. Fails on any crash, leak or hang.
#   CC=clang scripts/fuzz.sh [--build-only] [BUILDDIR] [SECONDS]
# --build-only builds the targets and stops (scripts/test.sh builds them
# while another suite runs, then fuzzes).
set -euo pipefail
cd "$(dirname "$0")/.."
build_only=false
if [ "${1:-}" = --build-only ]; then
  build_only=true
  shift
fi
dir=${1:-build-fuzz}
seconds=${2:-60}
export CC=${CC:-clang}

if [ -d "$dir" ]; then
  meson setup --reconfigure "$dir" -Dfuzzing=true -Dtests=true >"$dir.setup.log" 2>&1
else
  meson setup "$dir" -Dfuzzing=true -Dtests=true >"$dir.setup.log" 2>&1
fi || { cat "$dir.setup.log"; exit 1; }

targets=$(find tests/fuzz -maxdepth 1 -name 'fuzz-*.c' ! -name 'fuzz-corpus-main.c' -printf '%f\n' | sed 's/\.c$//' | sort)
[ -n "$targets" ] || { echo "fuzz: no targets found" >&2; exit 1; }
# Build every target in one call (ninja builds them in parallel), then fuzz
# them side by side, one per core: each still gets its full SECONDS, and the
# whole run takes SECONDS × targets / cores instead of SECONDS × targets.
# shellcheck disable=SC2086
meson compile -C "$dir" $(printf 'tests/fuzz/%s ' $targets) >/dev/null
if $build_only; then
  echo "fuzz: built $(echo $targets | wc -w) targets in $dir"
  exit 0
fi

fuzz_one () { # target -> exit status; its log and reproducer stay on failure
  local t=$1 corpus=tests/fuzz/corpus/${1#fuzz-} work
  work=$(mktemp -d)
  if "$dir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" "$work" "$corpus" 2>"$work/log"; then
    echo "fuzz: $t for ${seconds}s from $corpus: $(grep -E '^(Done|#[0-9]+ *DONE)' "$work/log" | tail -1)"
    rm -rf "$work"
  else
    tail -40 "$work/log" >&2
    echo "fuzz: $t failed; reproducer in $work" >&2
    return 1
  fi
}
export -f fuzz_one
export dir seconds
printf '%s\n' $targets | xargs -P "$(nproc)" -I{} bash -c 'fuzz_one {}'
