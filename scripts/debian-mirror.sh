#!/usr/bin/env bash
# debian-mirror.sh — print the Debian mirror this machine's apt uses (the
# first URIs: of /etc/apt/sources.list.d/debian.sources, else the first
# "deb" line of /etc/apt/sources.list, else deb.debian.org), for the
# debootstraps that make the project's images and test machines.
f=/etc/apt/sources.list.d/debian.sources
u=
[ -f "$f" ] && u=$(awk '/^URIs:/ {print $2; exit}' "$f")
[ -z "$u" ] && [ -f /etc/apt/sources.list ] &&
	u=$(awk '$1 == "deb" && $2 !~ /^\[/ {print $2; exit}' /etc/apt/sources.list)
echo "${u:-http://deb.debian.org/debian}"
