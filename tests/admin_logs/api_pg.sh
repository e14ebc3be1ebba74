#!/usr/bin/env bash
# api_pg.sh — the whole Log API suite (api.sh) on the PostgreSQL back end,
# against a real server the suite starts (lib_pg.sh).
# timeout: 300
# parallel: yes
AL_BACKEND=postgresql exec "$(dirname "$0")/api.sh" "$@"
