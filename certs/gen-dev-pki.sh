#!/usr/bin/env bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Makes a complete, short-lived development/test PKI for imeirestore into DIR
# with the openssl command line (OpenSSL 3.0). Nothing here is for
# production: see certs/README.md for how a brand installs its real anchors.
#
#   certs/gen-dev-pki.sh [--pkcs11] DIR
#
# With --pkcs11 it also makes a SoftHSM token for the run (DIR/tokens, with
# DIR/softhsm2.conf: export SOFTHSM2_CONF to use it) and generates on it, with
# CKA_EXTRACTABLE false, the ECDSA P-256 keys of a technician and of the
# certificates tests must see refused; each CSR is signed by its key on the
# token through libp11's OpenSSL engine, and each certificate is stored next
# to its key. A second token holds the technician's certificate without the
# key. Needs softhsm2, opensc (pkcs11-tool) and libengine-pkcs11-openssl
# (certs/gen-dev-pki-pkcs11.sh).
#
# Environment (all optional):
#   IR_PKI_DAYS        validity of every certificate in days (default 2)
#   IR_PKI_PASSPHRASE  PKCS#12 passphrase (default "imeirestore-dev")
#   IR_PKI_TECHNICIANS "name:CENTRE ..." (default "alice:DL-0001 bob:MH-0002")
#   IR_PKI_AUDITORS    "name:CENTRE ..." (default "carol:HQ")
#   IR_PKI_ISSUER      token issuer, "iss" (default "imei-brandd.dev")
#   IR_PKI_AUDIENCE    token audience, "aud" (default "imeirestore")
#   IR_PKI_PKCS11_MODULE  the SoftHSM module (default: found in the usual places)
#
# DIR is created if needed. The script refuses a DIR inside the source tree
# unless it is under a top-level build*/ folder, so that no private key can
# end up in a commit.
set -euo pipefail

die () {
  echo "gen-dev-pki: $*" >&2
  exit 1
}

pkcs11=no
if [ "${1:-}" = --pkcs11 ]; then
  pkcs11=yes
  shift
fi
[ $# -eq 1 ] || die "usage: $0 [--pkcs11] DIR (a folder outside the source tree, or under build*/)"
command -v openssl >/dev/null || die "openssl not found; install the openssl package"

src=$(cd "$(dirname "$0")/.." && pwd -P)
out=$(realpath -m -- "$1")

case "$out/" in
"$src"/build*/*) ;;
"$src"/*) die "refusing to write keys into the source tree ($out); use a folder under $src/build*/ or outside it" ;;
esac
mkdir -p "$out" || die "cannot create $out"

days=${IR_PKI_DAYS:-2}
pass=${IR_PKI_PASSPHRASE:-imeirestore-dev}
technicians=${IR_PKI_TECHNICIANS:-alice:DL-0001 bob:MH-0002}
auditors=${IR_PKI_AUDITORS:-carol:HQ}
issuer=${IR_PKI_ISSUER:-imei-brandd.dev}
audience=${IR_PKI_AUDIENCE:-imeirestore}
role_urn=urn:imeirestore:role
centre_urn=urn:imeirestore:centre

umask 077
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$out"

new_p256_key () { # file
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
}

# A self-signed root CA: name, file stem.
make_ca () {
  new_p256_key "$2.key"
  openssl req -x509 -new -key "$2.key" -sha256 -days "$days" -subj "/O=imeirestore dev/CN=$1" \
    -addext basicConstraints=critical,CA:TRUE,pathlen:0 \
    -addext keyUsage=critical,keyCertSign,cRLSign \
    -addext subjectKeyIdentifier=hash -out "$2.pem"
}

# A leaf signed by a CA: stem, subject CN, extension lines, CA stem.
make_leaf () {
  local stem=$1 cn=$2 ext=$3 ca=${4:-ca}
  new_p256_key "$stem.key"
  openssl req -new -key "$stem.key" -subj "/O=imeirestore dev/CN=$cn" -out "$work/$stem.csr"
  sign_leaf "$stem" "$ext" "$ca"
}

# The CA signs $work/STEM.csr into STEM.pem: stem, extension lines, CA stem.
sign_leaf () {
  local stem=$1 ext=$2 ca=${3:-ca}
  printf '%s\n' "basicConstraints=critical,CA:FALSE" "keyUsage=critical,digitalSignature" \
    "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" "$ext" >"$work/$stem.ext"
  openssl x509 -req -in "$work/$stem.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
    -CAserial "$work/$ca.srl" -sha256 -days "$days" -extfile "$work/$stem.ext" \
    -out "$stem.pem" 2>/dev/null
}

# PEM key + certificate, and the same as PKCS#12 with the passphrase.
make_p12 () { # stem, CA stem
  openssl pkcs12 -export -inkey "$1.key" -in "$1.pem" -certfile "${2:-ca}.pem" \
    -name "$1" -passout "pass:$pass" -out "$1.p12"
}

client_ext () { # role (may be empty), centre
  local san="URI:$centre_urn:$2"
  [ -z "$1" ] || san="URI:$role_urn:$1,$san"
  printf '%s\n' "extendedKeyUsage=clientAuth" "subjectAltName=$san"
}

spki_pin () { # certificate -> sha256//base64 of its SubjectPublicKeyInfo (curl --pinnedpubkey)
  printf 'sha256//%s' "$(openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
    openssl dgst -sha256 -binary | openssl base64 -A)"
}

# -- the brand root CA and the server
make_ca "imeirestore dev brand root CA" ca
make_leaf server localhost \
  "$(printf '%s\n' extendedKeyUsage=serverAuth 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1')"

# -- one client certificate per technician and per auditor
for entry in $technicians; do
  name=${entry%%:*} centre=${entry#*:}
  make_leaf "technician-$name" "$name" "$(client_ext technician "$centre")"
  make_p12 "technician-$name"
done
for entry in $auditors; do
  name=${entry%%:*} centre=${entry#*:}
  make_leaf "auditor-$name" "$name" "$(client_ext auditor "$centre")"
  make_p12 "auditor-$name"
done

# -- certificates that must be refused, for tests
first_centre=${technicians%% *}
first_centre=${first_centre#*:}
make_leaf client-norole norole "$(client_ext "" "$first_centre")"
make_p12 client-norole

# no extended key usage at all, and serverAuth only: not client certificates
make_leaf technician-noeku noeku "subjectAltName=URI:$role_urn:technician,URI:$centre_urn:$first_centre"
make_leaf technician-serverauth serverauth \
  "$(printf '%s\n' extendedKeyUsage=serverAuth "subjectAltName=URI:$role_urn:technician,URI:$centre_urn:$first_centre")"

make_ca "imeirestore dev FOREIGN CA (not trusted)" foreign-ca
make_leaf technician-foreign foreign "$(client_ext technician "$first_centre")" foreign-ca
make_p12 technician-foreign foreign-ca

# An expired technician: openssl ca is the 3.0 CLI that takes explicit dates.
mkdir -p "$work/ca-db"
: >"$work/ca-db/index.txt"
cat >"$work/ca-db/openssl.cnf" <<EOF
[ca]
default_ca = dev
[dev]
database = $work/ca-db/index.txt
new_certs_dir = $work/ca-db
serial = $work/ca-db/serial
crlnumber = $work/ca-db/crlnumber
default_crl_days = $days
default_md = sha256
policy = any
copy_extensions = none
unique_subject = no
[any]
commonName = supplied
organizationName = optional
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = clientAuth
subjectAltName = URI:$role_urn:technician,URI:$centre_urn:$first_centre
EOF
openssl rand -hex 16 >"$work/ca-db/serial"
sign_expired () { # CSR, certificate out
  openssl ca -batch -config "$work/ca-db/openssl.cnf" -notext -extensions leaf \
    -cert ca.pem -keyfile ca.key -startdate 20200101000000Z -enddate 20200102000000Z \
    -in "$1" -out "$2" 2>/dev/null
}
new_p256_key technician-expired.key
openssl req -new -key technician-expired.key -subj "/O=imeirestore dev/CN=expired" \
  -out "$work/expired.csr"
sign_expired "$work/expired.csr" technician-expired.pem
make_p12 technician-expired

# A revoked technician and the CA's CRL that lists it ([tls] crl of
# imei-brandd; `imei-brandd cert revoke` is the other way, see README.md).
echo 01 >"$work/ca-db/crlnumber"
new_p256_key technician-revoked.key
openssl req -new -key technician-revoked.key -subj "/O=imeirestore dev/CN=revoked" \
  -out "$work/revoked.csr"
openssl ca -batch -config "$work/ca-db/openssl.cnf" -notext -extensions leaf \
  -cert ca.pem -keyfile ca.key -days "$days" \
  -in "$work/revoked.csr" -out technician-revoked.pem 2>/dev/null
openssl ca -config "$work/ca-db/openssl.cnf" -cert ca.pem -keyfile ca.key \
  -revoke technician-revoked.pem -crl_reason keyCompromise 2>/dev/null
openssl ca -gencrl -config "$work/ca-db/openssl.cnf" -cert ca.pem -keyfile ca.key \
  -out crl.pem 2>/dev/null
make_p12 technician-revoked

# -- token-signing keys: one per algorithm the token supports
openssl genpkey -algorithm ed25519 -out token-ed25519.key
new_p256_key token-es256.key
for k in token-ed25519 token-es256; do
  openssl pkey -in "$k.key" -pubout -out "$k.pub.pem"
done
pub_b64 () { openssl pkey -pubin -in "$1" -outform DER | openssl base64 -A; }

# -- the server's witness key: cosigns the workstations' log checkpoints
# (imei-brandd [witness] key; key name "$issuer/witness" unless set)
openssl genpkey -algorithm ed25519 -out witness.key
openssl pkey -in witness.key -pubout -out witness.pub.pem

# -- the brand's rollout-policy key: signs policies, reports and block lists
# as signed notes (docs/rollout-policy.md); key name "$issuer/policy"
openssl genpkey -algorithm ed25519 -out policy.key
openssl pkey -in policy.key -pubout -out policy.pub.pem

printf '%s\n' "$pass" >pkcs12-passphrase.txt
spki_pin server.pem >server-pin.txt

# -- the trust store for this PKI (format: certs/README.md)
cat >trust-store.conf <<EOF
# imeirestore trust store for the development PKI in this folder.
# Generated by certs/gen-dev-pki.sh on $(date -u +%Y-%m-%dT%H:%M:%SZ); valid $days day(s).
[trust-store]
version=1
brand-ca=ca.pem
server-pin=$(cat server-pin.txt)
issuer=$issuer
audience=$audience

[token-key dev-ed25519-1]
algorithm=EdDSA
public-key=$(pub_b64 token-ed25519.pub.pem)

[token-key dev-es256-1]
algorithm=ES256
public-key=$(pub_b64 token-es256.pub.pem)

[policy-key $issuer/policy]
public-key=$(pub_b64 policy.pub.pem)
EOF

chmod 0644 ./*.pem trust-store.conf server-pin.txt
if [ "$pkcs11" = yes ]; then
  . "$src/certs/gen-dev-pki-pkcs11.sh"
fi
echo "gen-dev-pki: wrote a $days-day development PKI to $out"
