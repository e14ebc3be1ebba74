#!/usr/bin/env bash
# install/make_install suite — `make install` into a DESTDIR: exactly the
# expected FHS files (binaries in sbin, scripts and the images' build
# contexts under lib/gestor, config in /etc/gestor, the unit, five man
# pages); every program says the one version (debian/changelog); the
# shipped configuration files are the programs' --print-config output; the
# man pages render without a warning; the unit scores <= 4.0 in
# `systemd-analyze security`; a changed config file survives a reinstall and
# an uninstall; `make uninstall` leaves nothing else behind.
# timeout: 600
# parallel: yes
source "$(dirname "$0")/../lib.sh"
need_cmd help2man man systemd-analyze
{ [ -x "$GESTOR_BIN/servicio" ] && [ -x "$GESTOR_BIN/admin_logs" ]; } || skip "servicio/admin_logs are not built"

root=$(mktemp -d /tmp/gestor-install.XXXXXX)
on_exit "rm -rf '$root'"
inst() { make -s -C "$GESTOR_TOP" BUILD="$GESTOR_BUILD" PREFIX=/usr DESTDIR="$root" "$@" 2>&1 | grep -v 'BTF'; }
check "make install PREFIX=/usr DESTDIR=... succeeds" inst install
version=$(sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' "$GESTOR_TOP/debian/changelog")

want=$(
	printf '%s\n' etc/gestor/servicio.ini etc/gestor/admin_logs.ini \
		usr/sbin/servicio usr/sbin/admin_logs usr/lib/systemd/system/gestor.service \
		usr/share/man/man8/servicio.8 usr/share/man/man8/admin_logs.8 \
		usr/share/man/man5/servicio.ini.5 usr/share/man/man5/admin_logs.ini.5 \
		usr/share/man/man1/contenedores.sh.1 \
		usr/lib/gestor/VERSION usr/lib/gestor/installed usr/lib/gestor/contenedores.sh \
		usr/lib/gestor/images/admin_logs/Dockerfile usr/lib/gestor/images/admin_logs/admin_logs
	for s in cron module stop trust docker-up images; do echo "usr/lib/gestor/scripts/$s.sh"; done
	for i in high-cpu high-ram low; do echo "usr/lib/gestor/images/$i/Dockerfile" "usr/lib/gestor/images/$i/$i"; done | tr ' ' '\n'
	for f in "$GESTOR_TOP"/admin_logs/www/*; do echo "usr/lib/gestor/images/admin_logs/www/$(basename "$f")"; done
	echo usr/lib/gestor/images/admin_logs/www/dygraph.min.js usr/lib/gestor/images/admin_logs/www/dygraph.min.css | tr ' ' '\n'
	[ -f "$GESTOR_TOP/kernel/sysinfo.ko" ] && echo usr/lib/gestor/kernel/sysinfo.ko
)
have=$(cd "$root" && find . -type f -o -type l | sed 's|^\./||')
check "the installed files are exactly the expected ones ($(wc -l <<<"$want"))" \
	diff <(sort <<<"$want") <(sort <<<"$have")
check "the recorded list names every installed file" \
	diff <(sed 's|^/||' "$root/usr/lib/gestor/installed" | sort) <(sort <<<"$have")
check "servicio --version is debian/changelog's $version" [ "$("$root/usr/sbin/servicio" --version)" = "servicio $version" ]
check "admin_logs --version too" [ "$("$root/usr/sbin/admin_logs" --version)" = "admin_logs $version" ]
check "contenedores.sh --version too (its VERSION file)" [ "$("$root/usr/lib/gestor/contenedores.sh" --version)" = "contenedores.sh $version" ]
check "the installed servicio is the one make builds" cmp "$GESTOR_BIN/servicio" "$root/usr/sbin/servicio"
check "the shipped servicio.ini is servicio --print-config" \
	cmp "$root/etc/gestor/servicio.ini" <("$GESTOR_BIN/servicio" --print-config)
check "the shipped admin_logs.ini is admin_logs --print-config" \
	cmp "$root/etc/gestor/admin_logs.ini" <("$GESTOR_BIN/admin_logs" --print-config)
check "the tree's servicio/servicio.ini is servicio --print-config (make it again when an option changes)" \
	cmp "$GESTOR_TOP/servicio/servicio.ini" <("$GESTOR_BIN/servicio" --print-config)
check "the tree's admin_logs/admin_logs.ini is admin_logs --print-config" \
	cmp "$GESTOR_TOP/admin_logs/admin_logs.ini" <("$GESTOR_BIN/admin_logs" --print-config)
for p in "$root"/usr/share/man/man*/*; do
	check "man page $(basename "$p") renders without a warning" \
		bash -c "out=\$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l '$p' 2>&1 >/dev/null); [ -z \"\$out\" ] || { echo \"\$out\"; false; }"
done
check "servicio(8) lists every option of --help" bash -c "
	for o in \$('$GESTOR_BIN/servicio' --help | grep -o '^  --[a-z-]*' | sed 's/^  //'); do
		man -l '$root/usr/share/man/man8/servicio.8' 2>/dev/null | grep -q -- \"\$o\" || { echo \"missing \$o\"; exit 1; }
	done"
check "servicio.ini(5) has every key of the file" bash -c "
	for k in \$(grep -o '^[a-z_]* =' '$root/etc/gestor/servicio.ini' | cut -d' ' -f1); do
		man -l '$root/usr/share/man/man5/servicio.ini.5' 2>/dev/null | grep -q -- \"^ *\$k = \" || { echo \"missing \$k\"; exit 1; }
	done"
unit=$root/usr/lib/systemd/system/gestor.service
check "the unit names the installed paths" bash -c "! grep -q '@[A-Z]*@' '$unit' && grep -q '^ExecStart=/usr/sbin/servicio ' '$unit'"
score=$(systemd-analyze security --offline=yes "$unit" 2>/dev/null | sed -n 's/.*Overall exposure level for gestor.service: \([0-9.]*\).*/\1/p')
echo "# systemd-analyze security: $score"
check "systemd-analyze security scores the unit <= 4.0 ($score)" awk -v s="${score:-99}" 'BEGIN { exit !(s <= 4.0) }'

# a changed configuration file is the administrator's: kept by both
echo "interval = 30" >>"$root/etc/gestor/servicio.ini"
check "a reinstall keeps a changed servicio.ini" bash -c "inst() { make -s -C '$GESTOR_TOP' BUILD='$GESTOR_BUILD' PREFIX=/usr DESTDIR='$root' install >/dev/null 2>&1; }; inst && grep -q '^interval = 30' '$root/etc/gestor/servicio.ini'"
check "make uninstall succeeds" inst uninstall
check "uninstall keeps the changed servicio.ini" grep -q '^interval = 30' "$root/etc/gestor/servicio.ini"
rm -f "$root/etc/gestor/servicio.ini"
rmdir "$root/etc/gestor" "$root/etc" 2>/dev/null
left=$(cd "$root" && find . -mindepth 1)
check "nothing else is left in DESTDIR${left:+: $left}" [ -z "$left" ]
finish
