#!/usr/bin/env bash
# Sets everything up and runs every test: a normal build with warnings as
# errors, the same suite under AddressSanitizer + UndefinedBehaviorSanitizer,
# and (with clang) a short libFuzzer run of every fuzz target. Ends with one
# line "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."
top=$PWD

./scripts/setup.sh || exit 1

jobs=$(nproc)
status=0
summaries=()

run_suite () { # name builddir meson-setup-args...
  local name=$1 dir=$2
  shift 2
  echo "== $name build ($dir)"
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
  meson compile -C "$dir" || return 1
  echo "== $name tests"
  meson test -C "$dir" --print-errorlogs --num-processes "$jobs" --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}"
}

count () { # builddir -> "passed failed"
  python3 - "$1/meson-logs/testlog.json" <<'PY'
import json, sys
p = f = 0
try:
    for line in open(sys.argv[1]):
        r = json.loads(line)["result"]
        if r in ("OK", "EXPECTEDFAIL"): p += 1
        else: f += 1   # FAIL, TIMEOUT, SKIP, ERROR: a skip is not a pass
except FileNotFoundError:
    f = 1
print(p, f)
PY
}

total_pass=0
total_fail=0
tally () {
  read -r p f < <(count "$1")
  total_pass=$((total_pass + p)); total_fail=$((total_fail + f))
  summaries+=("$2: $p passed, $f failed")
}

run_suite normal build-ci -Dwerror=true -Dbuildtype=debugoptimized || status=1
tally build-ci normal

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:verify_asan_link_order=0"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
TIMEOUT_MULTIPLIER=3 run_suite sanitizers build-asan -Dwerror=true -Db_sanitize=address,undefined \
  -Db_lundef=false -Dbuildtype=debug || status=1
tally build-asan sanitizers
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

if command -v clang >/dev/null; then
  echo "== fuzz build (clang, libFuzzer)"
  if CC=clang ./scripts/fuzz.sh build-fuzz "${FUZZ_SECONDS:-20}"; then
    total_pass=$((total_pass + 1)); summaries+=("fuzz: 1 passed, 0 failed")
  else
    total_fail=$((total_fail + 1)); summaries+=("fuzz: 0 passed, 1 failed"); status=1
  fi
fi

echo
printf '%s\n' "${summaries[@]}"
[ "$total_fail" -eq 0 ] || status=1
echo "$total_pass passed, $total_fail failed"
exit $status
