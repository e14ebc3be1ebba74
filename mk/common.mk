# common.mk — build rules shared by every user-space component.
#
# A component's Makefile sets PKGS (pkg-config names) and its targets, then
# includes this file. Objects go to $(BUILD)/rel/<path>.o (release, -O2) or
# $(BUILD)/asan/<path>.o (tests: AddressSanitizer + UBSan), keyed by their
# path under the repository, so lib/ is compiled once per mode and shared.
# Release programs land in $(BUILD)/bin, unit-test programs in $(BUILD)/test.
#
# COV=1 (make coverage; use its own BUILD) adds gcov's --coverage to the
# test build only: the unit tests and the ASan programs the suites run keep
# their sanitizers and also count lines and branches; the release programs
# (copied into the images) are left as they are. The counters are updated
# atomically: servicio and admin_logs run code on several threads, and a
# racy update once left counts gcov reads back as negative ("branch 1 taken
# -1" in bpfrec.c), which gcovr refuses, so CI had no table.

TOP := $(realpath $(dir $(lastword $(MAKEFILE_LIST)))/..)
BUILD ?= $(TOP)/build
COMP := $(patsubst $(TOP)/%,%,$(CURDIR))

CC ?= cc
STD := -std=c17 -D_GNU_SOURCE
WARN := -Wall -Wextra -Wshadow -Wmissing-prototypes -Werror
OPT ?= -O2 -g
SAN := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
ifeq ($(COV),1)
SAN += --coverage -fprofile-update=atomic
endif
CPPFLAGS += -I$(TOP)/lib
# the one version of every program: debian/changelog's top entry
GESTOR_VERSION ?= $(shell sed -n '1s/^[^(]*(\([^)]*\)).*/\1/p' $(TOP)/debian/changelog)
CPPFLAGS += -DGESTOR_VERSION='"$(GESTOR_VERSION)"'
# the files that print it are compiled again when it changes
$(foreach m,rel asan,$(BUILD)/$(m)/servicio/manager.o $(BUILD)/$(m)/admin_logs/main.o): \
	$(TOP)/debian/changelog

PKGS ?=
PKG_CFLAGS = $(if $(strip $(PKGS)),$(shell pkg-config --cflags $(PKGS)))
PKG_LIBS = $(if $(strip $(PKGS)),$(shell pkg-config --libs $(PKGS)))

# objects of this component's sources, per mode
rel_objs = $(patsubst %.c,$(BUILD)/rel/$(COMP)/%.o,$(1))
asan_objs = $(patsubst %.c,$(BUILD)/asan/$(COMP)/%.o,$(1))

LIB_SRC := $(wildcard $(TOP)/lib/*.c)
LIB_REL := $(BUILD)/rel/libgestor.a
LIB_ASAN := $(BUILD)/asan/libgestor.a

$(BUILD)/rel/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(OPT) -MMD -MP -c $< -o $@

$(BUILD)/asan/%.o: $(TOP)/%.c
	@mkdir -p $(@D)
	$(CC) $(STD) $(CPPFLAGS) $(PKG_CFLAGS) $(WARN) $(SAN) -MMD -MP -c $< -o $@

$(LIB_REL): $(patsubst $(TOP)/%.c,$(BUILD)/rel/%.o,$(LIB_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

$(LIB_ASAN): $(patsubst $(TOP)/%.c,$(BUILD)/asan/%.o,$(LIB_SRC))
	@mkdir -p $(@D)
	$(AR) rcs $@ $^

# $(call link_rel,objects) / $(call link_asan,objects): link $@
link_rel = @mkdir -p $(@D) && $(CC) $(OPT) -o $@ $(1) $(LIB_REL) $(PKG_LIBS) $(LDLIBS)
link_asan = @mkdir -p $(@D) && $(CC) $(SAN) -o $@ $(1) $(LIB_ASAN) $(PKG_LIBS) $(shell pkg-config --libs cmocka) $(LDLIBS)

-include $(shell find $(BUILD)/rel/$(COMP) $(BUILD)/asan/$(COMP) $(BUILD)/rel/lib $(BUILD)/asan/lib -name '*.d' 2>/dev/null)
