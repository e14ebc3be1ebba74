#!/usr/bin/env bash
# report_pg.sh — the report suite (report.sh) on the PostgreSQL back end,
# against a real server the suite starts (lib_pg.sh): POST /graficar draws
# straight from PostgreSQL (admin_logs/store_pg_graph.c).
# timeout: 300
# parallel: yes
AL_BACKEND=postgresql exec "$(dirname "$0")/report.sh" "$@"
