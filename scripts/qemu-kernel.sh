#!/usr/bin/env bash
# qemu-kernel.sh — the file to give qemu's -kernel for a kernel image: the
# same kernel uncompressed, booted at its PVH entry, where it can be made.
#
# Debian's /boot/vmlinuz-* is a bzImage: qemu's firmware runs its real-mode
# setup, then the guest unpacks the xz-compressed kernel itself (30 MB of
# xz under TCG at every boot of every VM suite). A kernel built with
# CONFIG_PVH carries an ELF note with a 32-bit entry point, and qemu boots
# such an ELF directly (-kernel vmlinux, -initrd and -append as usual).
# This unpacks the bzImage's payload once (its setup header says where it
# is; xz or gzip), checks that it is an ELF with the PVH note, and keeps it
# in $GESTOR_VMLINUX_CACHE (default /var/cache/gestor/vmlinux), keyed by the
# image's path, size and time. It prints that ELF's path, or the image's
# own when it cannot (another compression, no PVH note, no python3, the
# cache not writable): the caller boots the bzImage then, as before.
#
# GESTOR_QEMU_PVH=0 prints the image itself (the bzImage path, for comparison).
#
# Usage: scripts/qemu-kernel.sh IMAGE
set -uo pipefail
image=${1:?usage: qemu-kernel.sh IMAGE}
[ -r "$image" ] && [ "${GESTOR_QEMU_PVH:-1}" != 0 ] || { echo "$image"; exit 0; }
cache=${GESTOR_VMLINUX_CACHE:-/var/cache/gestor/vmlinux}
command -v python3 >/dev/null && mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] ||
	{ echo "$image"; exit 0; }
key=$(stat -L -c '%n %s %Y' "$image" | sha256sum | cut -c1-16)
elf=$cache/$(basename "$image")-$key.elf
if [ ! -s "$elf" ]; then
	# (written beside it, then renamed: another suite may be doing the same)
	if python3 - "$image" "$elf.$$" <<'PY'; then
import gzip, lzma, struct, sys

src, dst = sys.argv[1], sys.argv[2]
d = open(src, "rb").read()
# the bzImage setup header: the protected-mode code starts after
# setup_sects + 1 sectors; payload_offset and payload_length within it
if len(d) < 0x250 or d[0x202:0x206] != b"HdrS":
    sys.exit(1)
sects = d[0x1F1] or 4
off, length = struct.unpack_from("<II", d, 0x248)
payload = d[(sects + 1) * 512 + off :][:length]
if payload.startswith(b"\xfd7zXZ\x00"):
    # the kernel's xz stream (its CRC is CRC32); what follows it is not xz
    raw = lzma.LZMADecompressor(format=lzma.FORMAT_XZ).decompress(payload)
elif payload.startswith(b"\x1f\x8b"):
    raw = gzip.GzipFile(fileobj=__import__("io").BytesIO(payload)).read()
else:
    sys.exit(1)
# an ELF64 x86-64 with the Xen PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY, 18)
if raw[:4] != b"\x7fELF" or raw[4] != 2 or struct.unpack_from("<H", raw, 18)[0] != 62:
    sys.exit(1)
phoff = struct.unpack_from("<Q", raw, 0x20)[0]
phentsize, phnum = struct.unpack_from("<HH", raw, 0x36)
pvh = False
for i in range(phnum):
    p_type, _, p_offset, _, _, p_filesz = struct.unpack_from("<IIQQQQ", raw, phoff + i * phentsize)
    if p_type != 4:  # PT_NOTE
        continue
    o, end = p_offset, p_offset + p_filesz
    while o + 12 <= end:
        nsz, dsz, typ = struct.unpack_from("<III", raw, o)
        name = raw[o + 12 : o + 12 + nsz].rstrip(b"\0")
        pvh = pvh or (name == b"Xen" and typ == 18)
        o += 12 + ((nsz + 3) & ~3) + ((dsz + 3) & ~3)
if not pvh:
    sys.exit(1)
with open(dst, "wb") as f:
    f.write(raw)
PY
		mv "$elf.$$" "$elf"
	fi
	rm -f "$elf.$$"
fi
if [ -s "$elf" ]; then echo "$elf"; else echo "$image"; fi
