#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# Runs PROGRAM under umockdev-run, with the device description DEVICE in
# its testbed and PRELOAD added to the LD_PRELOAD that umockdev-run sets for
# its child. umockdev-run appends its own preload to an existing
# LD_PRELOAD, and its ioctl() wrapper calls libc's directly, so PRELOAD must
# come first; it is added inside the testbed, to the test program alone,
# keeping umockdev's in place (umockdev-run and the shell never load it,
# which matters in ASan builds).
#
# usage: run-under-umockdev.sh DEVICE|- PRELOAD|- PROGRAM [ARGS...]
#        ("-": no device description / no extra preload)
set -eu

if [ $# -lt 3 ]; then
	echo "usage: $0 DEVICE|- PRELOAD|- PROGRAM [ARGS...]" >&2
	exit 2
fi
device=$1
preload=$2
shift 2

# never skip: a missing umockdev must show up as a failure
if ! command -v umockdev-run >/dev/null 2>&1; then
	echo "umockdev-run is not installed: install the Debian package 'umockdev'" \
		"(scripts/setup.sh does)" >&2
	exit 1
fi

# an ASan build's program finds umockdev's preload loaded before libasan
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

if [ "$preload" = "-" ]; then
	run_child='exec "$@"'
else
	run_child='LD_PRELOAD="$0${LD_PRELOAD:+:$LD_PRELOAD}" exec "$@"'
fi
if [ "$device" = "-" ]; then
	exec umockdev-run -- sh -c "$run_child" "$preload" "$@"
fi
exec umockdev-run --device "$device" -- sh -c "$run_child" "$preload" "$@"
