#!/bin/bash
# node-start.sh — a test swarm node: its own dockerd in the foreground
# (SIGTERM stops it, and with it the node's containers), logging to
# /var/log/dockerd.log.
#
# The node is not --privileged (this machine's bounding set lacks
# CAP_SYS_RESOURCE, which --privileged asks for) but has every other
# capability, no seccomp/AppArmor confinement and its own cgroup namespace;
# so it makes itself what a privileged container gets: /sys writable and the
# cgroup v1 hierarchies mounted afresh, read-write, rooted at the node's own
# cgroup (its namespace's root). On cgroup v2 the one mount is redone.
set -eu
mount -o remount,rw /sys
mountpoint -q /sys/kernel/security || mount -t securityfs none /sys/kernel/security 2>/dev/null || true
mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
if [ "$(stat -f -c %T /sys/fs/cgroup)" = cgroup2fs ]; then
	umount /sys/fs/cgroup && mount -t cgroup2 -o rw,nosuid,nodev,noexec cgroup2 /sys/fs/cgroup
else
	awk '$3 == "cgroup" {print $2, $4}' /proc/mounts | while read -r dir opts; do
		ctl=$(tr ',' '\n' <<<"$opts" | grep -vxE 'rw|ro|nosuid|nodev|noexec|relatime' | paste -sd,)
		umount "$dir"
		mount -t cgroup -o "rw,nosuid,nodev,noexec,$ctl" cgroup "$dir"
	done
fi
exec dockerd --host unix:///var/run/docker.sock --storage-driver overlay2 \
	--log-level warn "$@" >>/var/log/dockerd.log 2>&1
