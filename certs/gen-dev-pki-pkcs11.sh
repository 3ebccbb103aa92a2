# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Sourced by gen-dev-pki.sh --pkcs11, in DIR, after the PEM PKI is made (it
# uses that script's functions and CAs). A SoftHSM token made for this run,
# as a brand would enrol a technician's real token (certs/README.md): the key
# is generated on the token and never leaves it, the CSR is signed by that key
# on the token (libp11's OpenSSL engine), the brand CA signs, and the
# certificate is stored on the token next to its key.
#
#   DIR/softhsm2.conf      export SOFTHSM2_CONF=DIR/softhsm2.conf to see the tokens
#   DIR/tokens/            the tokens' files (keys encrypted under the PIN)
#   DIR/pkcs11-module.txt  the SoftHSM module's path
#   DIR/pkcs11-pin.txt     the user PIN of both tokens (random, this run only)
#   DIR/pkcs11-uri.txt     the technician's credential, for --credential
#   DIR/token-*.pem        the certificates stored on the token
#
# Token "imeirestore-dev": objects technician (first technician's centre),
# auditor, technician-expired and technician-foreign (foreign CA), each a key
# pair and a certificate with the same label and id. Token "imeirestore-nokey":
# the technician's certificate only, as on a token the key was never made on.

command -v softhsm2-util >/dev/null || die "softhsm2-util not found; install softhsm2 (scripts/setup.sh)"
command -v pkcs11-tool >/dev/null || die "pkcs11-tool not found; install opensc (scripts/setup.sh)"
openssl engine pkcs11 -t >/dev/null 2>&1 ||
  die "libp11's OpenSSL engine (pkcs11) is not installed; install libengine-pkcs11-openssl"

module=${IR_PKI_PKCS11_MODULE:-}
if [ -z "$module" ]; then
  for m in /usr/lib/softhsm/libsofthsm2.so /usr/lib/*/softhsm/libsofthsm2.so \
    /usr/local/lib/softhsm/libsofthsm2.so; do
    if [ -f "$m" ]; then
      module=$m
      break
    fi
  done
fi
[ -n "$module" ] && [ -f "$module" ] ||
  die "the SoftHSM module libsofthsm2.so was not found; install softhsm2 or set IR_PKI_PKCS11_MODULE"

token=imeirestore-dev
rm -rf tokens
mkdir tokens
cat >softhsm2.conf <<CONF
directories.tokendir = $out/tokens
objectstore.backend = file
log.level = ERROR
slots.removable = false
CONF
export SOFTHSM2_CONF=$out/softhsm2.conf
pin=$(openssl rand -hex 4)
so_pin=$(openssl rand -hex 8)
for label in "$token" imeirestore-nokey; do
  softhsm2-util --init-token --free --label "$label" --so-pin "$so_pin" --pin "$pin" >/dev/null ||
    die "softhsm2-util could not make the token $label"
done

p11 () { # token label, pkcs11-tool arguments...
  local on=$1
  shift
  pkcs11-tool --module "$module" --token-label "$on" --login --pin "$pin" "$@" >"$work/p11.log" 2>&1 ||
    die "pkcs11-tool $* on token $on failed: $(cat "$work/p11.log")"
}

# A key pair generated on the token, its certificate signed by a CA (or the
# expired one), stored beside it: label, id (hex), CN, extension lines, CA stem
# or "expired".
token_leaf () {
  local label=$1 id=$2 cn=$3 ext=$4 ca=$5 stem=token-$1
  p11 "$token" --keypairgen --key-type EC:prime256v1 --usage-sign --sensitive \
    --id "$id" --label "$label"
  PKCS11_MODULE_PATH=$module openssl req -new -engine pkcs11 -keyform engine \
    -key "pkcs11:token=$token;object=$label;type=private?pin-value=$pin" \
    -subj "/O=imeirestore dev/CN=$cn" -out "$work/$stem.csr" 2>"$work/req.log" ||
    die "the CSR of $label could not be signed on the token: $(cat "$work/req.log")"
  if [ "$ca" = expired ]; then
    sign_expired "$work/$stem.csr" "$stem.pem"
  else
    sign_leaf "$stem" "$ext" "$ca"
  fi
  openssl x509 -in "$stem.pem" -outform DER -out "$work/$stem.der"
  p11 "$token" --write-object "$work/$stem.der" --type cert --id "$id" --label "$label"
}

first=${technicians%% *}
first_name=${first%%:*}
auditor=${auditors%% *}
token_leaf technician 01 "$first_name-token" "$(client_ext technician "$first_centre")" ca
token_leaf auditor 02 "${auditor%%:*}-token" "$(client_ext auditor "${auditor#*:}")" ca
token_leaf technician-expired 03 expired-token "" expired
token_leaf technician-foreign 04 foreign-token "$(client_ext technician "$first_centre")" foreign-ca
p11 imeirestore-nokey --write-object "$work/token-technician.der" --type cert --id 01 \
  --label technician

printf '%s\n' "$module" >pkcs11-module.txt
printf '%s\n' "$pin" >pkcs11-pin.txt
printf '%s\n' "pkcs11:token=$token;object=technician" >pkcs11-uri.txt
chmod 0644 token-*.pem pkcs11-module.txt pkcs11-uri.txt softhsm2.conf
