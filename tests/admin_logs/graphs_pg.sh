#!/usr/bin/env bash
# graphs_pg.sh — the graphs suite (graphs.sh) on the PostgreSQL back end,
# against a real server the suite starts (lib_pg.sh): POST /graficar draws
# straight from PostgreSQL (admin_logs/store_pg_graph.c).
# timeout: 240
# parallel: yes
AL_BACKEND=postgresql exec "$(dirname "$0")/graphs.sh" "$@"
