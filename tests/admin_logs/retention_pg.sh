#!/usr/bin/env bash
# retention_pg.sh — retention.sh on the PostgreSQL back end, against a real
# server the suite starts (lib_pg.sh).
# timeout: 400
# parallel: yes
AL_BACKEND=postgresql exec "$(dirname "$0")/retention.sh" "$@"
