#!/usr/bin/env bash
# trust_caps_module.sh — trust_caps.sh for the kernel module's source:
# servicio reading /proc/sysinfo_202002591 as its system user with the
# capabilities docs/servicio.md lists for the module (none). Skipped where
# the module is not loaded (scripts/module.sh load; a kernel without module
# loading, as in a container).
# timeout: 200
GESTOR_CAPS_SOURCES=module exec "$(dirname "$0")/trust_caps.sh"
