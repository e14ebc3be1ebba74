#!/usr/bin/env bash
# lint suite — the user-space code is formatted and cppcheck-clean
# (`make lint` runs the same checks, plus clang-tidy).
# timeout: 600
# parallel: yes
. "$(dirname "$0")/../lib.sh"
need_cmd clang-format cppcheck
check "scripts/lint.sh --no-tidy is clean" "$GESTOR_TOP/scripts/lint.sh" --no-tidy
finish
