#!/usr/bin/env bash
# www-dir.sh — assemble the live dashboard's directory (what admin_logs
# --www serves): the page and its script from admin_logs/www/, and the
# charting library from Debian's libjs-dygraphs (dygraph.min.js and
# dygraph.min.css), so the dashboard works offline, with no CDN.
# build-image.sh installs it in the image; the tests serve it from /tmp.
#
# Usage: admin_logs/www-dir.sh DEST   (DEST is created; its files replaced)
#   DYGRAPHS=dir   where dygraphs is (default /usr/share/javascript/dygraphs)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dest=${1:?usage: www-dir.sh DEST}
DYGRAPHS=${DYGRAPHS:-/usr/share/javascript/dygraphs}
for f in dygraph.min.js dygraph.min.css; do
	[ -f "$DYGRAPHS/$f" ] || {
		echo "www-dir: $DYGRAPHS/$f is missing: install libjs-dygraphs (scripts/setup.sh)" >&2
		exit 1
	}
done
mkdir -p "$dest"
cp "$here"/www/*.html "$here"/www/*.js "$here"/www/*.css "$dest/"
# the library without its source-map comment: nothing to fetch but the file
sed '/^\/\/# sourceMappingURL=/d' "$DYGRAPHS/dygraph.min.js" >"$dest/dygraph.min.js"
sed '/sourceMappingURL=/d' "$DYGRAPHS/dygraph.min.css" >"$dest/dygraph.min.css"
chmod 0644 "$dest"/*
