#!/usr/bin/env bash
# stop.sh — `make stop`: clean up after a run that was killed.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "gestor: nothing to clean up yet"
