#!/usr/bin/env bash
# Fails when a C source file is not formatted with the root .clang-format.
set -u
CLANG_FORMAT=${1:-clang-format}
cd "${C2E_SOURCE_DIR:?}"
bad=0
while IFS= read -r -d '' f; do
  if ! "$CLANG_FORMAT" --dry-run --Werror "$f" >/dev/null 2>&1; then
    echo "not formatted: $f (run: clang-format -i $f)" >&2
    bad=$((bad + 1))
  fi
done < <(find src tools tests/unit tests/harness tests/e2e -name '*.[ch]' -print0 | sort -z)
[ "$bad" -eq 0 ] && echo "all C files are formatted"
exit $((bad > 0))
