#!/usr/bin/env bash
# io_records_pg.sh — io_records.sh with admin_logs on PostgreSQL (a server the
# suite starts, lib_pg.sh): the counters stored in its columns too.
# parallel: yes docker
# timeout: 300
AL_BACKEND=postgresql exec "$(dirname "$0")/io_records.sh" "$@"
