#!/usr/bin/env bash
# The demo: sets everything up, starts simulated phones and a local brand
# server, shows what the workstation tool sees on each phone, then restores
# every phone that needs it under the brand's authority:
#   - a MediaTek dual-IMEI handset wiped to all zeros by a flash,
#   - a secure-restore-v1 reference phone, also wiped (it verifies the token itself),
#   - a Qualcomm handset on its DIAG port (no AT at all), wiped, that wants its
#     service programming code before the NV write (the brand's registry
#     holds it; it travels inside the signed token),
#   - a SIMCom module with a valid IMEI (nothing to do),
#   - a 3GPP-only phone carrying an IMEI on the brand's known-duplicate list
#     (3GPP defines no write command: the tool says so and asks for no token).
# The brand server (imei-brandd) runs on 127.0.0.1 with its SQLite registry
# and a PKI generated for this run under ./build-demo/pki; nothing is
# installed outside the checkout but the Debian packages setup.sh names.
#
# With a display ($DISPLAY), the GTK app opens on the same phones and server
# instead of imeictl restore. `./scripts/demo.sh --screenshots DIR` runs the
# app's GUI session (tests/gui: sign-in, two phones restored at once, the
# failure pages, the auditor's view) under Xvfb and writes a PNG of each
# step into DIR.
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

shots=""
if [ "${1:-}" = "--screenshots" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 [--screenshots DIR]" >&2; exit 2; }
  mkdir -p "$2"
  shots=$(cd "$2" && pwd)
fi

./scripts/setup.sh

if [ -n "$shots" ]; then
  build=build-demo-gui
  [ -d "$build" ] || meson setup "$build" >/dev/null
  meson compile -C "$build" >/dev/null
  export IR_BUILDDIR=$top/$build IR_SRCDIR=$top IR_SCREENSHOT_DIR=$shots
  export IMEI_SIM=$top/$build/src/sim/imei-sim IMEI_BRANDD=$top/$build/src/server/imei-brandd
  export IMEICTL=$top/$build/src/cli/imeictl NO_AT_BRIDGE=1
  tests/gui/run-under-xvfb.sh "$build/tests/gui/test-gui-technician" >/dev/null
  tests/gui/run-under-xvfb.sh "$build/tests/gui/test-gui-auditor" >/dev/null
  echo "screenshots of each step in $shots:"
  ls "$shots"
  exit 0
fi
build=build-demo
[ -d "$build" ] || meson setup "$build" -Dtests=false >/dev/null
meson compile -C "$build" >/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/imeirestore-demo.XXXXXX")
sim_pid=""
brandd_pid=""
cleanup () {
  for pid in $sim_pid $brandd_pid; do
    kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT

pki=$top/$build/pki
echo "== generating a throwaway PKI into $build/pki (certs/gen-dev-pki.sh)"
rm -rf "$pki"
certs/gen-dev-pki.sh "$pki" >/dev/null

cat >"$work/phones.ini" <<INI
[phone wiped-mediatek]
family=mediatek
serial=DEMO-MTK-0001
imei=000000000000000;000000000000000
state=$work/wiped-mediatek.state
link=$work/ttyWIPED

[phone wiped-secure]
family=secure-restore-v1
serial=DEMO-SR-0001
hwid=DEMO-HW-0001
imei=000000000000000;000000000000000
trust-store=$pki/trust-store.conf
state=$work/wiped-secure.state
link=$work/ttySECURE

[phone wiped-qualcomm]
family=qualcomm
serial=0C5A0005
imei=000000000000000;000000000000000
spc=246810
spc-required=true
state=$work/wiped-qualcomm.state
link=$work/ttyQUALCOMM

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
imeictl="$build/src/cli/imeictl"
for port in ttyWIPED ttySECURE ttyQUALCOMM ttySIMCOM ttyDUP; do
  echo
  echo "== imeictl identify $work/$port"
  "$imeictl" identify "$work/$port" || true
done

echo
echo "== the brand server: registry of factory records, then imei-brandd serve"
cat >"$work/factory.csv" <<CSV
serial,hardware_id,manufacturer,model,tac,imei1,imei2,spc
DEMO-MTK-0001,,MediaTek Inc.,MT6765,49015420,490154203237518,490154203237526,
,DEMO-HW-0001,imeirestore reference phone,SR1,35846211,358462110000015,358462110000023,
ESN:0C5A0005,,Qualcomm,IRQC-X55,35847631,358476310000054,358476310000062,246810
CSV
cat >"$work/brandd.conf" <<CONF
[server]
listen=127.0.0.1:0
database=$work/brandd.db
[tls]
certificate=$pki/server.pem
private-key=$pki/server.key
client-ca=$pki/ca.pem
[tokens]
signing-key=$pki/token-ed25519.key
algorithm=EdDSA
key-id=dev-ed25519-1
phase=IN-2026-P1
[witness]
key=$pki/witness.key
CONF
brandd="$build/src/server/imei-brandd"
"$brandd" init-db --db "$work/brandd.db" >/dev/null
"$brandd" import --db "$work/brandd.db" "$work/factory.csv"
"$brandd" serve --config "$work/brandd.conf" >"$work/brandd.out" 2>"$work/brandd.log" &
brandd_pid=$!
for _ in $(seq 100); do
  grep -q '^listening on ' "$work/brandd.out" 2>/dev/null && break
  kill -0 "$brandd_pid" 2>/dev/null || { cat "$work/brandd.log" >&2; exit 1; }
  sleep 0.1
done
listening=$(grep -m1 '^listening on ' "$work/brandd.out")
url=${listening#listening on }
echo "   $listening"

if [ -n "${DISPLAY:-}" ] && [ -z "${CI:-}" ]; then
  echo
  echo "== the app (imei-restore) on the same phones and server"
  export GSETTINGS_SCHEMA_DIR=$top/$build/ui GSETTINGS_BACKEND=keyfile XDG_CONFIG_HOME=$work/config
  gsettings set org.imeirestore.ImeiRestore server-url "$url"
  gsettings set org.imeirestore.ImeiRestore credential "$pki/technician-alice.p12"
  gsettings set org.imeirestore.ImeiRestore trust-store "$pki/trust-store.conf"
  gsettings set org.imeirestore.ImeiRestore state-dir "$work/state"
  echo "   sign in with the passphrase: $(cat "$pki/pkcs12-passphrase.txt")"
  echo "   then Add Port (Ctrl+N) for each phone:"
  for port in ttyWIPED ttySECURE ttySIMCOM ttyDUP; do echo "     $work/$port"; done
  "$build/src/app/imei-restore"
  exit 0
fi

echo
echo "== imeictl restore --all: every phone at once, as technician alice of centre DL-0001"
"$imeictl" restore --all --yes \
  --server "$url" --trust-store "$pki/trust-store.conf" \
  --p12 "$pki/technician-alice.p12" --p12-passphrase-file "$pki/pkcs12-passphrase.txt" \
  --state-dir "$work/state" \
  "$work/ttyWIPED" "$work/ttySECURE" "$work/ttyQUALCOMM" "$work/ttySIMCOM" "$work/ttyDUP" || true

for port in ttyWIPED ttySECURE ttyQUALCOMM; do
  echo
  echo "== after the restore: imeictl identify $work/$port"
  "$imeictl" identify "$work/$port" || true
done

echo
echo "== the auditor: imeictl audit verify and show on this workstation's migration log"
"$imeictl" audit verify "$work/state" --witness-key "$pki/witness.pub.pem" \
  --cosigned "$work/state/migration-log.cosigned" || true
echo
"$imeictl" audit show "$work/state" || true
echo
echo "Done. 'imeictl --help' and man/imeictl.1 say what else it does."
