# replab — build, tests and the lab's commands.  "make help" lists targets.

SAN ?= 0
BUILD := build
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

# On a fresh machine pkg-config and the -dev packages arrive only with "make
# deps", after make has read this file: the flags from pkg-config are
# therefore deferred variables (=, +=), expanded when a recipe runs, and
# everything that compiles or builds images waits for deps (an order-only
# prerequisite, so it holds with -j and never causes a rebuild).
CC ?= cc
PKGS := libpq jansson
IMAGE_PKGS := libguestfs
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -Isrc/common $(SANFLAGS) $(shell pkg-config --cflags $(PKGS))
LDFLAGS += $(SANFLAGS)
LDLIBS = $(shell pkg-config --libs $(PKGS)) -lm
IMAGE_CFLAGS = $(shell pkg-config --cflags $(IMAGE_PKGS))
IMAGE_LIBS = $(shell pkg-config --libs $(IMAGE_PKGS))

COMMON_SRC := $(wildcard src/common/*.c)
PGREPL_SRC := $(filter-out src/pgrepl/main.c,$(wildcard src/pgrepl/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
PGREPL_OBJ := $(PGREPL_SRC:%.c=$(BUILD)/obj/%.o)
# replab in four parts, a folder each: lab/ (the VMs, their network and
# faults), experiments/ (and their reports), images/ (the image build, the
# only part that calls libguestfs), history/ (clients' histories and their
# checkers); its verbs, cmd_*.c, and the table's
# checks, verb.c, beside main.c.
# Includes across folders name the folder: "lab/vm.h".
REPLAB_LAB_SRC := $(wildcard src/replab/lab/*.c)
REPLAB_EXPERIMENTS_SRC := $(wildcard src/replab/experiments/*.c)
REPLAB_IMAGES_SRC := $(wildcard src/replab/images/*.c)
REPLAB_HISTORY_SRC := $(wildcard src/replab/history/*.c)
REPLAB_VERBS_SRC := $(filter-out src/replab/main.c,$(wildcard src/replab/*.c))
REPLAB_SRC := $(REPLAB_VERBS_SRC) $(REPLAB_EXPERIMENTS_SRC) $(REPLAB_IMAGES_SRC) $(REPLAB_LAB_SRC) \
	$(REPLAB_HISTORY_SRC)
REPLAB_OBJ := $(REPLAB_SRC:%.c=$(BUILD)/obj/%.o)
# What is compiled with libguestfs' flags: the image build and its verbs.
REPLAB_IMAGE_SRC := $(REPLAB_IMAGES_SRC) src/replab/cmd_build.c src/replab/cmd_inspect.c
HEADERS := $(wildcard src/*/*.h src/*/*/*.h)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps lab lab-root box run down demo check format test fresh unit ns vm vagrant bench bench-lab clean help

all: deps $(BUILD)/bin/pgrepl $(BUILD)/bin/replab

help:
	@echo "make            build build/bin/pgrepl and build/bin/replab"
	@echo "make lab        build the VM images in build/images (needs root)"
	@echo "make run        boot both VMs, run the demo and the failover inside them"
	@echo "make box        the VM images as Vagrant boxes (vagrant-libvirt), for vagrant up"
	@echo "make down       stop everything the lab started (always safe)"
	@echo "make demo       the demo and the failover on real servers in network namespaces"
	@echo "make check      the C style, unit, namespace and fuzz test tiers (needs root for namespaces)"
	@echo "make format     format the C sources with clang-format (.clang-format)"
	@echo "make test       every test tier: unit, namespace, fresh machine, VM images and boot, Vagrant"
	@echo "make fresh      the README's first commands on a fresh Debian 12 root (needs root)"
	@echo "make SAN=1 check  the same tests under ASan/UBSan"
	@echo "make bench      print the foundation's speed figures"
	@echo "make bench-lab  the VM lab's figures: image build, boot, failover, experiments"
	@echo "make deps       install missing Debian packages (deps/debian-packages.txt)"
	@echo "make clean      remove build/ (refused while a lab runs: make down first)"

# NO_DEPS=1: the guest build of pgrepl, in a chroot with packages of its own.
deps:
ifneq ($(NO_DEPS),1)
	@deps/install.sh
endif

demo: all
	PGREPL=$(CURDIR)/$(BUILD)/bin/pgrepl tests/ns/run-demo.sh

$(BUILD)/obj/%.o: %.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -I$(dir $<) -c -o $@ $<

$(BUILD)/bin/pgrepl: $(BUILD)/obj/src/pgrepl/main.o $(PGREPL_OBJ) $(COMMON_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/bin/replab: $(BUILD)/obj/src/replab/main.o $(REPLAB_OBJ) $(COMMON_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) $(IMAGE_LIBS)

$(BUILD)/obj/src/replab/%.o: CFLAGS += -Isrc/replab
$(REPLAB_IMAGE_SRC:%.c=$(BUILD)/obj/%.o): CFLAGS += $(IMAGE_CFLAGS)

# replab's objects but main.o, as an archive for the unit tests.
$(BUILD)/obj/replab.a: $(REPLAB_OBJ)
	@rm -f $@ && ar rcs $@ $^

# Unit tests link the program whose name their file carries (test_pgrepl_*,
# test_replab_*), without its main().  A replab test takes from replab.a
# only the objects it calls, and gets libguestfs only when it is named in
# UNIT_IMAGE_TESTS (a test of code that calls libguestfs; none yet).
UNIT_IMAGE_TESTS :=
$(UNIT_IMAGE_TESTS:%=$(BUILD)/tests/unit/%): private CFLAGS += $(IMAGE_CFLAGS)
$(UNIT_IMAGE_TESTS:%=$(BUILD)/tests/unit/%): private LDLIBS += $(IMAGE_LIBS)

$(BUILD)/tests/unit/test_pgrepl_%: tests/unit/test_pgrepl_%.c $(PGREPL_OBJ) $(COMMON_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/pgrepl $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/tests/unit/test_replab_%: tests/unit/test_replab_%.c $(BUILD)/obj/replab.a $(COMMON_OBJ) | deps
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/replab -DSOURCE_ROOT=\"$(CURDIR)\" $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# ---- make lab: the VM images ------------------------------------------------
# Each step is a file target, so an unchanged tree rebuilds nothing.  Steps
# print one progress line and keep their output in build/logs/.
IMAGES := build/images
ROOTFS := build/rootfs
BUILDER := build/guest-builder
APT_CACHE := build/apt-cache
GUEST_FILES := images/stage.sh images/base-image.sh $(wildcard images/postgres/* images/guest/* images/systemd/*)
ROLES := $(wildcard images/roles/*.role)
ROLE_IMAGES := $(ROLES:images/roles/%.role=$(IMAGES)/%.qcow2)

# step NAME, LOG, COMMAND: run COMMAND with its output in build/logs/LOG.log
define step
	@mkdir -p build/logs
	@printf 'lab: %s ...\n' "$(1)"
	@start=$$(date +%s); if $(3) >build/logs/$(2).log 2>&1; then \
		echo "lab: $(1): done in $$(($$(date +%s) - start)) s"; \
	else \
		echo "lab: $(1) failed; the end of build/logs/$(2).log:"; tail -n 25 build/logs/$(2).log; exit 1; \
	fi
endef

lab: lab-root deps $(ROLE_IMAGES) $(IMAGES)/wal.qcow2
	@echo "lab: images ready: $(ROLE_IMAGES) on $(IMAGES)/base.qcow2"

lab-root:
	@[ "$$(id -u)" -eq 0 ] || { echo "make lab needs root (mmdebstrap, chroot): run sudo make lab" >&2; exit 1; }

$(BUILDER)/.done: images/builder.sh images/builder-packages.txt images/debian.sh | deps lab-root
	$(call step,guest build chroot (mmdebstrap),builder,images/builder.sh $(BUILDER) $(APT_CACHE))
	@touch $@

$(ROOTFS)/.done: images/rootfs.sh images/packages.txt images/debian.sh | deps lab-root
	@bash images/debian.sh | sed 's/^/lab: /'
	$(call step,root filesystem (mmdebstrap),rootfs,images/rootfs.sh $(ROOTFS) $(APT_CACHE))
	@touch $@

# pgrepl for the guest, compiled in the guest's own userland.
build/guest/pgrepl: $(BUILDER)/.done Makefile $(wildcard src/common/* src/pgrepl/*)
	@rm -rf $(BUILDER)/src && mkdir -p $(BUILDER)/src build/guest
	@tar -c Makefile tests/fuzz/fuzz.mk src/common src/pgrepl | tar -x -C $(BUILDER)/src
	$(call step,pgrepl for the guest,guest-pgrepl,chroot $(BUILDER) make -C /src NO_DEPS=1 build/bin/pgrepl)
	@install -m 755 $(BUILDER)/src/build/bin/pgrepl $@

$(IMAGES)/base.qcow2 $(IMAGES)/wal.qcow2 &: $(ROOTFS)/.done build/guest/pgrepl $(GUEST_FILES)
	$(call step,lab files into the root filesystem,stage,images/stage.sh $(ROOTFS) build/guest/pgrepl)
	$(call step,base image (mke2fs + qemu-img),base-image,images/base-image.sh $(ROOTFS) $(IMAGES))

$(ROLE_IMAGES) &: $(IMAGES)/base.qcow2 $(ROLES) $(BUILD)/bin/replab
	$(call step,role images (libguestfs),roles,$(BUILD)/bin/replab build --base $(IMAGES)/base.qcow2 --out $(IMAGES) $(ROLES))

# ---- make box: the role images as vagrant-libvirt boxes, registered -------
# One box per role ("replab-primary", "replab-replica"): a box's disk must
# stand alone, so each is its role image flattened onto the base.  A box is
# registered again only when it was rebuilt, with no Vagrantfile loaded
# (the lab's would make this lab's secrets, for nothing).
BOX_DIR := build/box
BOXES := $(ROLES:images/roles/%.role=$(BOX_DIR)/replab-%.box)

$(BOX_DIR)/replab-%.box: $(IMAGES)/%.qcow2 images/box.sh images/box/Vagrantfile
	@mkdir -p $(BOX_DIR)
	$(call step,box replab-$*,box-$*,images/box.sh $< $(IMAGES) $@)

$(BOX_DIR)/replab-%.added: $(BOX_DIR)/replab-%.box
	$(call step,vagrant box add replab-$*,box-add-$*,VAGRANT_CWD=$(BOX_DIR) VAGRANT_VAGRANTFILE=none VAGRANT_CHECKPOINT_DISABLE=1 vagrant box add --force --name replab-$* $<)
	@touch $@

box: lab $(BOXES) $(BOXES:.box=.added) $(BUILD)/bin/replab
	@echo "box: replab-primary and replab-replica registered with Vagrant: vagrant up"

run: lab
	$(BUILD)/bin/replab run

down:
	@if [ -x $(BUILD)/bin/replab ]; then $(BUILD)/bin/replab down; else echo "nothing to stop"; fi

# One harness runs every tier: cmocka speaks TAP, the other tiers are TAP
# scripts, and prove prints the summary.  Unit and namespace tests run
# four at a time (each namespace lab is a world of its own; they mostly
# wait on timeouts); the VM tests share one lab, so they run one by one,
# after the others.
PROVE := CMOCKA_MESSAGE_OUTPUT=TAP PGREPL=$(CURDIR)/$(BUILD)/bin/pgrepl \
	REPLAB=$(CURDIR)/$(BUILD)/bin/replab prove --timer

# The C style: .clang-format's, and no line over 100 columns (tabs at 8).
C_SOURCES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find src tests -name '*.[ch]')

check: all $(UNIT_TESTS)
	@clang-format --dry-run --Werror $(C_SOURCES)
	@for f in $(C_SOURCES); do expand -t 8 $$f | \
		awk -v f=$$f 'length > 100 { print f ":" NR ": over 100 columns"; bad = 1 } END { exit bad }' || exit 1; done
	$(PROVE) -j 4 $(UNIT_TESTS) tests/ns/*.t
	@$(MAKE) --no-print-directory fuzz

test: check lab box
	$(PROVE) tests/fresh/*.t tests/vm/*.t tests/vagrant/*.t

# The README's first commands on a fresh Debian 12 root (tests/fresh).
fresh: deps
	$(PROVE) tests/fresh/*.t

format: deps
	clang-format -i $(C_SOURCES)

unit: all $(UNIT_TESTS)
	$(PROVE) $(UNIT_TESTS)

ns: all
	$(PROVE) -j 4 tests/ns/*.t

vm: all lab
	$(PROVE) tests/vm/*.t

vagrant: all box
	$(PROVE) tests/vagrant/*.t

bench: all
	bench/foundation.sh $(BUILD)/bin/pgrepl

bench-lab: all
	bench/lab.sh
	bench/instant.sh
	bench/experiments.sh

# build/ holds a running lab's state and the replab that stops it: removing
# them would strand its QEMUs and namespace, so clean refuses while
# "replab status" reports a lab (or cannot tell).
clean:
	@r=$(firstword $(wildcard build/bin/replab build/san/bin/replab)); \
	if [ -n "$$r" ]; then \
		if ! out=$$($$r status 2>&1); then \
			echo "make clean: $$r status failed, so a lab may be running: run make down first" \
				"(or, if none runs, rm -rf build)" >&2; \
			printf '%s\n' "$$out" | sed 's/^/  /' >&2; exit 1; \
		fi; \
		case "$$out" in \
		"no lab is running"*) ;; \
		*) echo "make clean: a lab is running (see $$r status): stop it first with make down" >&2; exit 1 ;; \
		esac; \
		$$r forget >/dev/null || exit 1; \
	fi
	rm -rf build

include tests/fuzz/fuzz.mk
