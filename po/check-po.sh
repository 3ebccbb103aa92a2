#!/bin/sh
# The Hindi catalogue is complete: it compiles (msgfmt --check), it has no
# fuzzy or untranslated entry, and every string that the sources in
# POTFILES mark for translation today has a translation in it (msgcmp
# against a template extracted now, so a new string without a translation
# fails this test). Usage: check-po.sh PODIR SRCDIR
set -eu
podir=$1
srcdir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

xgettext --from-code=UTF-8 --keyword=_ --keyword=N_ --keyword=C_:1c,2 \
  --keyword=ngettext:1,2 --add-comments --directory="$srcdir" \
  --files-from="$podir/POTFILES" --output="$tmp/imeirestore.pot"

status=0
for lang in $(cat "$podir/LINGUAS"); do
  po=$podir/$lang.po
  stats=$(LC_ALL=C msgfmt --check --statistics --output-file=/dev/null "$po" 2>&1) || {
    echo "$po does not compile: $stats"; status=1; continue; }
  echo "$lang: $stats"
  case $stats in
    *fuzzy*|*untranslated*) echo "$po has fuzzy or untranslated messages"; status=1 ;;
  esac
  if ! LC_ALL=C msgcmp "$po" "$tmp/imeirestore.pot" 2>"$tmp/msgcmp.log"; then
    echo "$po lacks translations of strings in the sources:"
    cat "$tmp/msgcmp.log"
    status=1
  fi
done
exit $status
