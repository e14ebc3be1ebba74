#!/usr/bin/env bash
# ini2man.sh — a section-5 man page from a program's --print-config output,
# so the page of a configuration file is generated from the option table as
# the file itself is, and cannot drift from it.
#
# Usage: dist/man/ini2man.sh PROGRAM VERSION DESCRIPTION < file.ini > page.5
#   each "; comment" block before "key = value" becomes the key's entry.
set -euo pipefail
prog=${1:?usage: ini2man.sh PROGRAM VERSION DESCRIPTION}
version=${2:?version}
desc=${3:?description}
# roff: a backslash doubled, a leading . or ' escaped
esc() { sed -e 's/\\/\\e/g' -e "s/^\\([.']\\)/\\\\\\&\\1/" -e 's/-/\\-/g'; }
upper=$(tr '[:lower:]' '[:upper:]' <<<"$prog")
printf '.TH %s.INI 5 "" "gestor %s" "gestor"\n' "$upper" "$version"
printf '.SH NAME\n%s.ini \\- %s\n' "$prog" "$desc"
printf '.SH SYNOPSIS\n/etc/gestor/%s.ini\n' "$prog"
head=1 comment=()
section=
while IFS= read -r line || [ -n "$line" ]; do
	if [ "$head" = 1 ]; then
		case "$line" in
		';'*)
			t=${line#;}
			t=${t# }
			comment+=("$t")
			continue
			;;
		'')
			[ ${#comment[@]} = 0 ] && continue
			printf '.SH DESCRIPTION\n'
			for t in "${comment[@]}"; do
				if [ -z "$t" ]; then printf '.PP\n'; else esc <<<"$t"; fi
			done
			comment=()
			head=0
			continue
			;;
		esac
		head=0
	fi
	case "$line" in
	\[*\])
		section=${line#[}
		section=${section%]}
		printf '.SH OPTIONS\nKeys at the top of the file or under \\fB[%s]\\fR; the value shown is the default.\n' "$section"
		;;
	';'*)
		t=${line#;}
		comment+=("${t# }")
		;;
	*=*)
		key=${line%%=*}
		key=${key% }
		val=${line#*=}
		val=${val# }
		[ -n "$val" ] || val='(empty)'
		printf '.TP\n\\fB%s\\fR = %s\n' "$(esc <<<"$key")" "$(esc <<<"$val")"
		for t in "${comment[@]}"; do esc <<<"$t"; done
		comment=()
		;;
	esac
done
printf '.SH FILES\n.TP\n/etc/gestor/%s.ini\nthe file read when no other is named.\n' "$prog"
printf '.SH SEE ALSO\n\\fB%s\\fR(8), \\fB%s \\-\\-print\\-config\\fR\n' "$prog" "$prog"
