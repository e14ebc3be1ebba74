#!/usr/bin/env bash
# setup.sh benchmark — the time of scripts/setup.sh on a ready machine (the
# target: under 2 s), as hyperfine measures it over 10 runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --quiet
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine -N --warmup 1 --runs 10 --export-markdown /dev/stdout 'scripts/setup.sh --quiet' 2>/dev/null |
	grep -E '^\|' || hyperfine --warmup 1 --runs 10 'scripts/setup.sh --quiet'
