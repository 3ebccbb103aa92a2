#!/usr/bin/env bash
# Installs every Debian 12 package imeirestore needs to build, test and run
# its demo. Safe to run again: it only calls apt when something is missing.
set -euo pipefail

packages=(
  # build
  meson ninja-build pkg-config gcc clang lld
  # the style suite: clang-format --dry-run over the C files, and
  # scripts/check-source.py
  clang-format python3
  # libraries (DESIGN.md §7)
  libglib2.0-dev libjson-glib-dev libserialport-dev libusb-1.0-0-dev
  libcbor-dev libssl-dev libevent-dev libsqlite3-dev libcurl4-openssl-dev
  # imei-brandd's strict request JSON (json-glib alone is lenient)
  libjansson-dev
  # imei-brandd's PostgreSQL backend (libpq), and the server-pg tests' throwaway
  # cluster (initdb, pg_ctl; run as the package's postgres user under root)
  libpq-dev postgresql
  # the dev/test PKI generator (certs/gen-dev-pki.sh) and TLS tests
  openssl curl
  # tests: cmocka units; umockdev (+ its library, for the hotplug test) for the
  # libserialport discovery path
  libcmocka-dev umockdev libumockdev-dev
  # the GTK app (imei-restore): GTK 3; gettext for its catalogues (po/)
  libgtk-3-dev gettext
  # its tests: a real X server with no screen (Xvfb, xauth), a D-Bus session
  # per test (dbus-x11 provides dbus-run-session's daemon), the AT-SPI bus and
  # dogtail to drive the app from the keyboard as a person would
  xvfb xauth dbus-x11 at-spi2-core python3-dogtail python3-gi gir1.2-gtk-3.0
  # validation of its desktop integration: .desktop, AppStream metainfo
  desktop-file-utils appstream
  # the screenshots in docs/screenshots/ are optimised (scripts/screenshots.sh)
  optipng
  # the auditor's chart exported as PDF is read back by rasterising it (pdftoppm)
  poppler-utils
  # the app's SVG icon is drawn by librsvg; fonts for Latin and Devanagari (hi)
  librsvg2-common fonts-dejavu-core fonts-lohit-deva
  # PKCS#11 technician tokens (certs/README.md): libp11 for keys and objects,
  # p11-kit for RFC 7512 URIs and the configured modules; for the token made
  # per test run by gen-dev-pki.sh --pkcs11: SoftHSM, pkcs11-tool (opensc) to
  # generate the key on it, libp11's OpenSSL engine to sign its CSR there
  libp11-dev libp11-kit-dev p11-kit softhsm2 opensc libengine-pkcs11-openssl
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
