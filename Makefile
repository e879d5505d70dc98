# replab — build, tests and the lab's commands.  "make help" lists targets.

SAN ?= 0
BUILD := build
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

CC ?= cc
PKGS := libpq jansson
CFLAGS ?= -O2 -g
CFLAGS += -std=c11 -Wall -Wextra -Werror -Isrc/common $(SANFLAGS) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDFLAGS += $(SANFLAGS)
LDLIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

COMMON_SRC := $(wildcard src/common/*.c)
PGREPL_SRC := $(filter-out src/pgrepl/main.c,$(wildcard src/pgrepl/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(BUILD)/obj/%.o)
PGREPL_OBJ := $(PGREPL_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/tests/unit/%,$(wildcard tests/unit/test_*.c))

.PHONY: all deps demo check test unit ns bench clean help

all: deps $(BUILD)/bin/pgrepl

help:
	@echo "make            build build/bin/pgrepl"
	@echo "make demo       the demo and the failover on real servers in network namespaces"
	@echo "make check      unit + namespace test tiers (needs root for namespaces)"
	@echo "make test       every test tier"
	@echo "make SAN=1 check  the same tests under ASan/UBSan"
	@echo "make bench      print the foundation's speed figures"
	@echo "make deps       install missing Debian packages (deps/debian-packages.txt)"
	@echo "make clean      remove build/"

deps:
	@deps/install.sh

demo: all
	PGREPL=$(CURDIR)/$(BUILD)/bin/pgrepl tests/ns/run-demo.sh

$(BUILD)/obj/%.o: %.c $(wildcard src/common/*.h src/pgrepl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/pgrepl -c -o $@ $<

$(BUILD)/bin/pgrepl: $(BUILD)/obj/src/pgrepl/main.o $(PGREPL_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(PGREPL_OBJ) $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Isrc/pgrepl $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

# One harness runs both tiers: cmocka speaks TAP, the namespace tests are
# TAP scripts, and prove prints the summary.
check: all $(UNIT_TESTS)
	CMOCKA_MESSAGE_OUTPUT=TAP PGREPL=$(CURDIR)/$(BUILD)/bin/pgrepl \
		prove --timer $(UNIT_TESTS) tests/ns/*.t

test: check

unit: all $(UNIT_TESTS)
	CMOCKA_MESSAGE_OUTPUT=TAP prove $(UNIT_TESTS)

ns: all
	PGREPL=$(CURDIR)/$(BUILD)/bin/pgrepl prove --timer tests/ns/*.t

bench: all
	bench/foundation.sh $(BUILD)/bin/pgrepl

clean:
	rm -rf build
