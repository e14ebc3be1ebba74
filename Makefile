# gestor — top-level build. See README.md.
#
#   make            build every user-space program (and the kernel module when
#                   kernel headers are present; KDIR=... to choose them)
#   make test       set up the machine, build with ASan+UBSan, run every suite
#   make coverage   make test on a gcov build ($(BUILD)/cov), then line and
#                   branch coverage per file of servicio/, admin_logs/, lib/
#   make test-debug-kernel  the module's and the BPF program's VM suites on
#                   lockdep+KASAN and lockdep+KCSAN 6.1 kernels
#   make mutations  break the product one line at a time (tests/mutations.sh):
#                   each mutation must make the suite named for it fail
#   make run        set up, build, and run the whole system (DURATION=s to stop)
#   make run VM=1   the same inside a qemu VM whose kernel loads the module
#                   (for hosts that cannot load it; scripts/sysvm.sh)
#   make stop       clean up after a run that was killed
#   make bench      run the benchmarks under bench/
#   make images     build the container images (no registry needed)
#   make lint       clang-format, cppcheck and clang-tidy on user-space code
#   make install    install the programs, scripts, unit, config and man pages
#                   (PREFIX=/usr/local, DESTDIR=); make uninstall removes them

SHELL := /bin/bash
TOP := $(CURDIR)
export BUILD ?= $(TOP)/build

# user-space components, lib first; each has its own Makefile
USER_DIRS := lib $(filter-out lib kernel,$(patsubst %/Makefile,%,$(wildcard */Makefile)))

# Kernel headers: this kernel's, or else the newest Debian -amd64 ones installed.
KDIR ?= $(firstword $(wildcard /lib/modules/$(shell uname -r)/build) \
	$(lastword $(sort $(wildcard /lib/modules/*-amd64/build))))
export KDIR

.PHONY: all user kernel test test-bins run stop bench images images-only lint fuzz clean \
	setup setup-run setup-test setup-bench

all: user kernel

user:
	@for d in $(USER_DIRS); do $(MAKE) -s -C $$d all || exit 1; done

kernel:
	@if [ ! -f kernel/Makefile ]; then echo "kernel: no module sources yet"; \
	elif [ -n "$(KDIR)" ] && [ -d "$(KDIR)" ]; then $(MAKE) -s -C kernel KDIR=$(KDIR) || exit 1; \
	else echo "kernel: no kernel headers (install linux-headers-amd64 or set KDIR): module not built"; fi

test-bins:
	@for d in $(USER_DIRS); do $(MAKE) -s -C $$d test-bins || exit 1; done

# scripts/setup.sh installs what each command needs, no more: `make run` the
# run set; `make test` and `make bench` add theirs (scripts/setup.sh --help)
setup setup-test:
	@scripts/setup.sh --quiet --for test
setup-run:
	@scripts/setup.sh --quiet --for run
setup-bench:
	@scripts/setup.sh --quiet --for bench

# T=pattern runs only the suites whose name contains it
# the images too, so that any subset of suites finds them (T=servicio)
test: setup
	@$(MAKE) -s all test-bins images-only
	@tests/run.sh $(T)

# make test on a build whose ASan+UBSan test programs also carry gcov's
# --coverage (mk/common.mk COV=1), in its own $(BUILD)/cov; the table
# (tests/coverage.sh) is printed and kept in $(BUILD)/cov/coverage.txt.
# The exit status is make test's. T=pattern as for make test.
.PHONY: coverage
coverage: setup
	@$(MAKE) -s BUILD=$(BUILD)/cov COV=1 all test-bins images-only
	@find $(BUILD)/cov/asan -name '*.gcda' -delete
	@# suites run some programs as other users: let them write their counts
	@find $(BUILD)/cov/asan -type d -exec chmod a+rwx {} +
	@rc=0; BUILD=$(BUILD)/cov tests/run.sh $(T) || rc=$$?; \
		echo "coverage (gcov, lines and branches) of servicio/, admin_logs/, lib/:"; \
		tests/coverage.sh $(BUILD)/cov || rc=1; exit $$rc

# single-line mutations of the product (tests/mutations.sh): each is applied
# in a scratch clone of HEAD and must make the suite named for it fail;
# M="name ..." runs only those. A developer tool, not part of make test.
.PHONY: mutations
mutations:
	@tests/mutations.sh $(M)

# the module's VM suite on a lockdep + KASAN kernel built once from
# linux-source-6.1 (cached in /var/cache/gestor/debug-kernel); not in `make test`
.PHONY: test-debug-kernel
test-debug-kernel: setup
	@bash tests/kernel/debug-kernel.sh test

# the packages installed in a Debian 12 VM under real systemd (issue 32 item
# 8), with either accelerator. `make test` runs it only where KVM runs a
# guest: under TCG it took 23 min at a light load (38 checks, 0 failed) and
# about an hour at a heavy one (docs/INSTALL.md)
.PHONY: test-install-vm
test-install-vm: setup
	@$(MAKE) -s all && GESTOR_INSTALL_VM=1 bash tests/install/deb_vm.sh

# VM=1: in the system VM (scripts/sysvm.sh interactive), for hosts whose
# kernel cannot load the module; admin_logs on 127.0.0.1:8000 all the same.
# The VM needs qemu and Debian's kernel: the test set.
run: $(if $(filter-out 0,$(VM)),setup-test,setup-run)
	@$(MAKE) -s all images-only
	@if [ -n "$(VM)" ] && [ "$(VM)" != 0 ]; then scripts/sysvm.sh interactive; else scripts/run.sh; fi

stop:
	@scripts/stop.sh

bench: setup-bench
	@$(MAKE) -s all
	@bench/run.sh $(B)

images: setup-run
	@$(MAKE) -s images-only

images-only:
	@for d in contenedores admin_logs deploy; do \
		if grep -q '^images:' $$d/Makefile 2>/dev/null; then $(MAKE) -s -C $$d images || exit 1; fi; done

lint:
	@scripts/lint.sh

fuzz:
	@bash tests/fuzz/run.sh $(SECONDS)

# make install / uninstall / man (PREFIX, DESTDIR): mk/install.mk
include mk/install.mk

clean:
	rm -rf $(BUILD)
	@[ -f kernel/Makefile ] && [ -n "$(KDIR)" ] && $(MAKE) -s -C kernel KDIR=$(KDIR) clean || true
