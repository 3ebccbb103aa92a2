#!/usr/bin/env bash
# clang-format --dry-run --Werror over every C file of src/, protocols/,
# tests/ and bench/ (.clang-format at the top): prints what is not formatted and exits
# non-zero. Fix with clang-format -i FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
find src protocols tests bench -name '*.[ch]' -not -path '*/build*' -print0 |
  sort -z | xargs -0 "${CLANG_FORMAT:-clang-format}" --dry-run --Werror
