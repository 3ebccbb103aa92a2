#!/usr/bin/env bash
# Builds the libFuzzer targets with clang and runs each for SECONDS, seeded
# from its corpus in tests/fuzz/corpus/. Fails on any crash, leak or hang.
#   CC=clang scripts/fuzz.sh [BUILDDIR] [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/.."
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
for t in $targets; do
  meson compile -C "$dir" "tests/fuzz/$t" >/dev/null
  corpus=tests/fuzz/corpus/${t#fuzz-}
  work=$(mktemp -d)
  echo "fuzz: $t for ${seconds}s from $corpus"
  "$dir/tests/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 \
    -artifact_prefix="$work/" "$work" "$corpus" 2>"$work/log" || {
    tail -40 "$work/log" >&2
    echo "fuzz: $t failed; reproducer in $work" >&2
    exit 1
  }
  grep -E '^(Done|#[0-9]+ *DONE)' "$work/log" | tail -1 || true
  rm -rf "$work"
done
