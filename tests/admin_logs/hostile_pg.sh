#!/usr/bin/env bash
# hostile_pg.sh — the hostile-names suite (hostile.sh) on the PostgreSQL back
# end, against a real server the suite starts (lib_pg.sh): the names travel
# through PostgreSQL and its graph queries (store_pg_graph.c) first.
# timeout: 300
# parallel: yes
AL_BACKEND=postgresql exec "$(dirname "$0")/hostile.sh" "$@"
