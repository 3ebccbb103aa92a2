#!/bin/sh
# Runs a GUI test under an X server of its own (Xvfb, on the first free
# display, which -displayfd reports) and a D-Bus session of its own
# (dbus-run-session: the app's GApplication and, for dogtail, the AT-SPI
# bus live there), with the app's settings schema from the build folder
# and settings kept in memory. Usage: run-under-xvfb.sh COMMAND [ARGS...]
set -eu
tmp=$(mktemp -d)
xvfb_pid=""
cleanup () {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null && wait "$xvfb_pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

Xvfb -displayfd 3 -screen 0 1280x800x24 -nolisten tcp -noreset 3>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb_pid=$!
# -displayfd writes the number once the server accepts connections
i=0
while [ ! -s "$tmp/display" ]; do
  kill -0 "$xvfb_pid" 2>/dev/null || { echo "Xvfb did not start:"; cat "$tmp/xvfb.log"; exit 1; }
  i=$((i + 1)); [ $i -lt 600 ] || { echo "Xvfb gave no display in 60 s"; exit 1; }
  sleep 0.1
done
DISPLAY=:$(head -n1 "$tmp/display")
export DISPLAY
export GDK_BACKEND=x11
export GSETTINGS_BACKEND=memory
export GSETTINGS_SCHEMA_DIR="$IR_BUILDDIR/ui"
export XDG_RUNTIME_DIR="$tmp"
export HOME="$tmp"
mkdir -p "$IR_BUILDDIR/tests/gui/screenshots"
status=0
dbus-run-session -- "$@" || status=$?
exit $status
