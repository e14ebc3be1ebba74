# install.mk — `make install`, `make uninstall`, `make man` (included by the
# top Makefile). The programs installed are the ones `make` builds and
# `make run` runs ($(BUILD)/bin), with the scripts they call and the images'
# build contexts, in FHS places:
#
#   $(SBINDIR)        servicio, admin_logs
#   $(GLIBDIR)        contenedores.sh, scripts/{cron,module,stop,trust,docker-up,images}.sh,
#                     VERSION, images/<name>/ (docker build contexts),
#                     kernel/sysinfo.ko when built
#   $(SYSCONFDIR)/gestor  servicio.ini, admin_logs.ini: the programs'
#                     --print-config, the defaults (never overwritten; uninstall
#                     keeps them when changed)
#   $(UNITDIR)        gestor.service
#   $(MANDIR)         servicio(8), admin_logs(8), servicio.ini(5),
#                     admin_logs.ini(5), contenedores.sh(1)
#
# State lives in /var/lib/gestor and run-time files in /run/gestor: the unit
# (StateDirectory=, RuntimeDirectory=) or servicio makes them at start; they
# are not installed, and uninstall keeps the data in /var/lib/gestor.
# PREFIX (default /usr/local) and DESTDIR as usual: make install PREFIX=/usr
# DESTDIR=/tmp/root. The file list is $(DESTDIR)$(GLIBDIR)/installed, which
# uninstall reads.
PREFIX ?= /usr/local
SBINDIR ?= $(PREFIX)/sbin
GLIBDIR ?= $(PREFIX)/lib/gestor
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= $(PREFIX)/lib/systemd/system
GESTOR_VERSION := $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' debian/changelog)
MAN := $(BUILD)/man
IMAGES := high-cpu high-ram low

.PHONY: install uninstall man config-files

# the examples in the tree, again from the option tables (after adding an
# option; tests/install/make_install.sh fails while they differ)
config-files: user
	@$(BUILD)/bin/servicio --print-config >servicio/servicio.ini
	@$(BUILD)/bin/admin_logs --print-config >admin_logs/admin_logs.ini

# the pages, generated from --help and the option tables (they cannot drift)
man: user
	@mkdir -p $(MAN)
	@export LC_ALL=C.UTF-8; \
	help2man -N -s 8 -n "gestor's container manager" -o $(MAN)/servicio.8 $(BUILD)/bin/servicio && \
	help2man -N -s 8 -n "gestor's log server" -o $(MAN)/admin_logs.8 $(BUILD)/bin/admin_logs && \
	help2man -N -s 1 -n "create random load containers for gestor" -o $(MAN)/contenedores.sh.1 ./contenedores.sh && \
	$(BUILD)/bin/servicio --print-config | dist/man/ini2man.sh servicio $(GESTOR_VERSION) \
		"configuration of gestor's container manager" >$(MAN)/servicio.ini.5 && \
	$(BUILD)/bin/admin_logs --print-config | dist/man/ini2man.sh admin_logs $(GESTOR_VERSION) \
		"configuration of gestor's log server" >$(MAN)/admin_logs.ini.5

# $(call inst,MODE,SRC,DEST): install one file and record it
inst = install -D -m $(1) $(2) $(DESTDIR)$(3) && echo $(3) >>$(DESTDIR)$(GLIBDIR)/installed.tmp

install: user man
	@for f in servicio admin_logs; do [ -x $(BUILD)/bin/$$f ] || { echo "install: $(BUILD)/bin/$$f is not built" >&2; exit 1; }; done
	@for i in $(IMAGES); do [ -x $(BUILD)/contenedores/$$i ] || { echo "install: $(BUILD)/contenedores/$$i is not built" >&2; exit 1; }; done
	@mkdir -p $(DESTDIR)$(GLIBDIR) && : >$(DESTDIR)$(GLIBDIR)/installed.tmp
	@$(call inst,0755,$(BUILD)/bin/servicio,$(SBINDIR)/servicio)
	@$(call inst,0755,$(BUILD)/bin/admin_logs,$(SBINDIR)/admin_logs)
	@$(call inst,0755,contenedores.sh,$(GLIBDIR)/contenedores.sh)
	@for s in cron module stop trust docker-up images; do \
		m=0755; case $$s in trust | docker-up) m=0644 ;; esac; \
		$(call inst,$$m,scripts/$$s.sh,$(GLIBDIR)/scripts/$$s.sh) || exit 1; done
	@echo $(GESTOR_VERSION) >$(BUILD)/VERSION && $(call inst,0644,$(BUILD)/VERSION,$(GLIBDIR)/VERSION)
	@if [ -f kernel/sysinfo.ko ]; then $(call inst,0644,kernel/sysinfo.ko,$(GLIBDIR)/kernel/sysinfo.ko); fi
	@# the images' build contexts: what their Dockerfiles COPY
	@$(call inst,0644,admin_logs/Dockerfile,$(GLIBDIR)/images/admin_logs/Dockerfile)
	@$(call inst,0755,$(BUILD)/bin/admin_logs,$(GLIBDIR)/images/admin_logs/admin_logs)
	@rm -rf $(BUILD)/www && admin_logs/www-dir.sh $(BUILD)/www && for f in $(BUILD)/www/*; do \
		$(call inst,0644,$$f,$(GLIBDIR)/images/admin_logs/www/$$(basename $$f)) || exit 1; done
	@for i in $(IMAGES); do \
		$(call inst,0644,contenedores/$$i/Dockerfile,$(GLIBDIR)/images/$$i/Dockerfile) && \
		$(call inst,0755,$(BUILD)/contenedores/$$i,$(GLIBDIR)/images/$$i/$$i) || exit 1; done
	@# the configuration files: the programs' own --print-config (the defaults)
	@$(BUILD)/bin/servicio --print-config >$(BUILD)/servicio.ini && \
		$(BUILD)/bin/admin_logs --print-config >$(BUILD)/admin_logs.ini
	@for c in $(BUILD)/servicio.ini $(BUILD)/admin_logs.ini; do \
		d=$(SYSCONFDIR)/gestor/$$(basename $$c); \
		if [ -e $(DESTDIR)$$d ]; then echo "install: $(DESTDIR)$$d exists: kept (the new defaults: $$c)"; \
			echo $$d >>$(DESTDIR)$(GLIBDIR)/installed.tmp; \
		else $(call inst,0644,$$c,$$d) || exit 1; fi; done
	@sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@LIBDIR@|$(GLIBDIR)|g' dist/systemd/gestor.service.in >$(BUILD)/gestor.service && \
		$(call inst,0644,$(BUILD)/gestor.service,$(UNITDIR)/gestor.service)
	@for p in servicio.8 admin_logs.8 servicio.ini.5 admin_logs.ini.5 contenedores.sh.1; do \
		$(call inst,0644,$(MAN)/$$p,$(MANDIR)/man$${p##*.}/$$p) || exit 1; done
	@echo $(GLIBDIR)/installed >>$(DESTDIR)$(GLIBDIR)/installed.tmp
	@mv $(DESTDIR)$(GLIBDIR)/installed.tmp $(DESTDIR)$(GLIBDIR)/installed
	@echo "install: $$(wc -l <$(DESTDIR)$(GLIBDIR)/installed) files under $(DESTDIR)$(PREFIX) and $(DESTDIR)$(SYSCONFDIR)/gestor (list: $(GLIBDIR)/installed)"
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl daemon-reload; echo "install: start it with: systemctl enable --now gestor"; fi

# every file install recorded, then the directories it made that are empty;
# the configuration files go too unless changed, the data in /var/lib/gestor stays
uninstall:
	@list=$(DESTDIR)$(GLIBDIR)/installed; \
	[ -f $$list ] || { echo "uninstall: $$list not found: nothing installed there" >&2; exit 1; }; \
	if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then \
		systemctl disable --now gestor 2>/dev/null || true; fi; \
	n=0; while IFS= read -r f; do \
		case "$$f" in $(SYSCONFDIR)/gestor/*) \
			if [ -f "$(DESTDIR)$$f" ] && ! cmp -s "$(DESTDIR)$$f" "$(BUILD)/$$(basename "$$f")"; then \
				echo "uninstall: $(DESTDIR)$$f was changed: kept"; continue; fi;; esac; \
		rm -f "$(DESTDIR)$$f" && n=$$((n + 1)); \
		d=$$(dirname "$$f"); \
		while [ "$$d" != / ] && rmdir "$(DESTDIR)$$d" 2>/dev/null; do d=$$(dirname "$$d"); done; \
	done <$$list; \
	echo "uninstall: $$n files removed (data in /var/lib/gestor kept)"
