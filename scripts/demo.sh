#!/usr/bin/env bash
# The demo: sets everything up, starts simulated phones and shows what the
# workstation tool sees on each:
#   - a MediaTek dual-IMEI handset wiped to all zeros by a flash,
#   - a SIMCom module with a valid IMEI,
#   - a 3GPP-only phone carrying an IMEI on the brand's known-duplicate list.
# Everything runs from ./build-demo and a temporary folder; nothing is
# installed outside the checkout but the Debian packages setup.sh names.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

./scripts/setup.sh
build=build-demo
[ -d "$build" ] || meson setup "$build" -Dtests=false >/dev/null
meson compile -C "$build" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/imeirestore-demo.XXXXXX")
sim_pid=""
cleanup () {
  [ -n "$sim_pid" ] && kill -TERM "$sim_pid" 2>/dev/null && wait "$sim_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/phones.ini" <<INI
[phone wiped-mediatek]
family=mediatek
imei=000000000000000;000000000000000
state=$work/wiped-mediatek.state
link=$work/ttyWIPED

[phone simcom-module]
family=simcom
imei=868915031234560
link=$work/ttySIMCOM

[phone duplicate-3gpp]
family=3gpp
imei=356923051234568
link=$work/ttyDUP
INI

echo "== starting simulated phones (imei-sim --config $work/phones.ini)"
coproc SIM { exec "$build/src/sim/imei-sim" --config "$work/phones.ini"; }
sim_pid=$SIM_PID
while read -r name path <&"${SIM[0]}"; do
  [ "$name" = ready ] && break
  printf '   %-16s %s\n' "$name" "$path"
done

export IMEIRESTORE_DUPLICATES="$top/data/demo/duplicates.txt"
for port in ttyWIPED ttySIMCOM ttyDUP; do
  echo
  echo "== imeictl identify $work/$port"
  "$build/src/cli/imeictl" identify "$work/$port" || true
done
echo
echo "Done. 'imeictl --help' and man/imeictl.1 say what else it does."
