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

configure () { # builddir meson-setup-args...
  local dir=$1
  shift
  if [ -d "$dir" ]; then
    meson setup --reconfigure "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  else
    meson setup "$dir" "$@" >"$dir.setup.log" 2>&1 || { cat "$dir.setup.log"; return 1; }
  fi
}

build () { # builddir meson-setup-args...
  configure "$@" && meson compile -C "$1"
}

# The next build compiles in the background, at the lowest priority, while
# a suite's tests run: they wait on phones, servers and disks for much of
# their time, and the compiler takes only the cores they leave idle.
background_build () { # name builddir meson-setup-args... -> sets bg_pid
  local name=$1
  shift
  echo "== $name build ($1), in the background"
  nice -n 19 bash -c "$(declare -f configure build); build $(printf '%q ' "$@")" \
    >"$1.build.log" 2>&1 &
  bg_pid=$!
}

wait_build () { # name builddir pid
  echo "== $1 build ($2)"
  if wait "$3"; then
    tail -1 "$2.build.log"
  else
    tail -40 "$2.build.log"
    return 1
  fi
}

run_tests () { # name builddir
  echo "== $1 tests"
  meson test -C "$2" --print-errorlogs --num-processes "$jobs" --timeout-multiplier "${TIMEOUT_MULTIPLIER:-1}"
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

asan_args=(-Dwerror=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug)
have_clang=false
command -v clang >/dev/null && have_clang=true

echo "== normal build (build-ci)"
build build-ci -Dwerror=true -Dbuildtype=debugoptimized || status=1
background_build sanitizers build-asan "${asan_args[@]}"
asan_build=$bg_pid
[ $status -ne 0 ] || run_tests normal build-ci || status=1
tally build-ci normal

asan_ok=true
wait_build sanitizers build-asan "$asan_build" || { asan_ok=false; status=1; }
if $have_clang; then
  # the fuzz targets compile while the sanitizers' suite runs
  echo "== fuzz build (clang, libFuzzer), in the background"
  CC=clang nice -n 19 ./scripts/fuzz.sh --build-only build-fuzz >build-fuzz.build.log 2>&1 &
  fuzz_build=$!
fi
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:verify_asan_link_order=0"
export LSAN_OPTIONS="suppressions=$top/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
! $asan_ok || TIMEOUT_MULTIPLIER=3 run_tests sanitizers build-asan || status=1
tally build-asan sanitizers
unset ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS

if $have_clang; then
  echo "== fuzz (clang, libFuzzer)"
  if wait_build fuzz build-fuzz "$fuzz_build" && CC=clang ./scripts/fuzz.sh build-fuzz "${FUZZ_SECONDS:-20}"; then
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
