/*
 * fusehang.h — a FUSE file system whose reads never end, for the tests that
 * put a process's argv on such a mapping (the CVE-2018-1120 pattern): the
 * module's (tests/kernel/review_test.c, in the VM) and the BPF source's
 * (servicio/tests/bpfsrc_test.c). Raw /dev/fuse protocol, no libfuse: one
 * directory (node 1) holding one 64 KiB file "f" (node 2) whose READ
 * requests are never answered, so whoever reads its pages without FOLL_ANON
 * (access_process_vm(), process_vm_readv()) waits until the connection
 * ends. fusehang_serve(fd, say_read) answers the requests on the mounted
 * connection fd until it ends (then _exit(0)); say_read prints a TAP
 * comment for each READ held. Header only: each test includes it once.
 */
#ifndef GESTOR_TESTS_FUSEHANG_H
#define GESTOR_TESTS_FUSEHANG_H

#include <errno.h>
#include <linux/fuse.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fusehang_reply(int fd, uint64_t unique, int err, const void *data, size_t len)
{
	struct fuse_out_header h = { .len = (uint32_t)(sizeof(h) + len),
				     .error = err,
				     .unique = unique };
	char buf[sizeof(h) + 512];

	memcpy(buf, &h, sizeof(h));
	if (len)
		memcpy(buf + sizeof(h), data, len);
	if (write(fd, buf, sizeof(h) + len) < 0 && errno != ENOENT)
		perror("fuse write");
}

static void fusehang_attr(struct fuse_attr *a, uint64_t ino)
{
	memset(a, 0, sizeof(*a));
	a->ino = ino;
	a->mode = ino == 1 ? S_IFDIR | 0755 : S_IFREG | 0444;
	a->nlink = 1;
	a->size = ino == 1 ? 0 : 65536;
	a->blocks = 128;
	a->blksize = 4096;
}

/* One request answered (or, a READ, held for ever). */
static void fusehang_answer(int fd, const struct fuse_in_header *in, bool say_read)
{
	union {
		struct fuse_init_out init;
		struct fuse_entry_out entry;
		struct fuse_attr_out attr;
		struct fuse_open_out open;
	} o;

	memset(&o, 0, sizeof(o));
	switch (in->opcode) {
	case FUSE_INIT:
		o.init = (struct fuse_init_out){ .major = FUSE_KERNEL_VERSION,
						 .minor = 31,
						 .max_readahead = 65536,
						 .max_write = 4096 };
		fusehang_reply(fd, in->unique, 0, &o.init, sizeof(o.init));
		break;
	case FUSE_LOOKUP:
		if (strcmp((const char *)(in + 1), "f") != 0) {
			fusehang_reply(fd, in->unique, -ENOENT, NULL, 0);
			break;
		}
		o.entry.nodeid = 2;
		fusehang_attr(&o.entry.attr, 2);
		fusehang_reply(fd, in->unique, 0, &o.entry, sizeof(o.entry));
		break;
	case FUSE_GETATTR:
		fusehang_attr(&o.attr.attr, in->nodeid);
		fusehang_reply(fd, in->unique, 0, &o.attr, sizeof(o.attr));
		break;
	case FUSE_OPEN:
		o.open.fh = 1;
		fusehang_reply(fd, in->unique, 0, &o.open, sizeof(o.open));
		break;
	case FUSE_READ: /* never answered */
		if (say_read) {
			printf("# fuse: READ request held (never answered)\n");
			fflush(stdout);
		}
		break;
	case FUSE_FORGET:
	case FUSE_BATCH_FORGET:
	case FUSE_INTERRUPT:
		break;
	default:
		fusehang_reply(fd, in->unique, -ENOSYS, NULL, 0);
	}
}

static void fusehang_serve(int fd, bool say_read)
{
	static char buf[1 << 17];

	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < (ssize_t)sizeof(struct fuse_in_header))
			_exit(0);
		fusehang_answer(fd, (const struct fuse_in_header *)buf, say_read);
	}
}

#endif
