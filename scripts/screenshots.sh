#!/usr/bin/env bash
# Regenerates docs/screenshots/, the pictures the README and the AppStream
# metainfo show: the demo's GUI session under Xvfb (./scripts/demo.sh
# --screenshots, the real app against imei-sim phones and a local
# imei-brandd) writes a PNG of each step; two of them are kept, losslessly
# optimised (optipng, metadata stripped: every software centre that lists
# the app fetches them). Commit the result; the metainfo points at them in
# the repository's raw files at the release tag (ui/meson.build).
#
# usage: scripts/screenshots.sh [--from DIR]
#   --from DIR: take the PNGs a session already wrote (the demo's DIR, or
#   BUILD/tests/gui/screenshots/ after `meson test --suite gui`)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v optipng >/dev/null 2>&1; then
  echo "optipng is not installed: run scripts/setup.sh (Debian package 'optipng')" >&2
  exit 1
fi
if [ "${1:-}" = "--from" ]; then
  [ -d "${2:-}" ] || { echo "usage: $0 [--from DIR]: DIR is not a folder" >&2; exit 2; }
  shots=$2
else
  shots=$(mktemp -d "${TMPDIR:-/tmp}/imeirestore-shots.XXXXXX")
  trap 'rm -rf "$shots"' EXIT
  ./scripts/demo.sh --screenshots "$shots" >/dev/null
fi

# step name in the GUI tests : name in docs/screenshots/
for pair in step-2-confirm:confirm auditor-verified:auditor; do
  from=$shots/${pair%%:*}.png
  to=docs/screenshots/${pair#*:}.png
  if [ ! -s "$from" ]; then
    echo "$from is missing: the GUI session did not get to that step (see tests/gui/)" >&2
    exit 1
  fi
  rm -f "$to" # optipng keeps a .bak of a file it overwrites
  optipng -quiet -o5 -strip all -out "$to" "$from"
  echo "$to: $(stat -c %s "$to") bytes"
done
