# tests/fuzz/fuzz.mk — libFuzzer targets for every parser fed by a file or
# a guest (included by the Makefile).  "make fuzz" builds them into
# build/fuzz/ with clang (-fsanitize=fuzzer,address,undefined) and runs each
# for FUZZ_TIME seconds, one after the other, from the seed corpus in
# tests/fuzz/corpus/TARGET/ (new inputs go to build/fuzz/corpus/TARGET/);
# a crash, a leak or a failed property fails it.  "make check" runs it.

FUZZ_CC ?= clang
FUZZ_TIME ?= 5
FUZZ := build/fuzz
FUZZ_REPLAB := seed recipe qmp serial report status history
FUZZ_PGREPL := pgrepl_config lsn
FUZZ_TARGETS := $(FUZZ_REPLAB) $(FUZZ_PGREPL)
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -g -O1 -std=c11 -Wall -Wextra -Werror -Isrc/common $(FUZZ_SAN) \
	$(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

# The programs' objects, instrumented for coverage; each target takes what
# it needs from an archive (no target reaches the image build, so none
# links libguestfs).
$(FUZZ)/obj/%.o: %.c $(HEADERS) | deps
	@mkdir -p $(dir $@)
	@echo "fuzz: CC $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -I$(dir $<) -c -o $@ $<

$(FUZZ)/obj/src/replab/%.o: FUZZ_CFLAGS += -Isrc/replab
$(REPLAB_IMAGE_SRC:%.c=$(FUZZ)/obj/%.o): FUZZ_CFLAGS += $(shell pkg-config --cflags $(IMAGE_PKGS) 2>/dev/null)

$(FUZZ)/libreplab.a: $(REPLAB_SRC:%.c=$(FUZZ)/obj/%.o) $(COMMON_SRC:%.c=$(FUZZ)/obj/%.o)
	@rm -f $@ && ar rcs $@ $^

$(FUZZ)/libpgrepl.a: $(PGREPL_SRC:%.c=$(FUZZ)/obj/%.o) $(COMMON_SRC:%.c=$(FUZZ)/obj/%.o)
	@rm -f $@ && ar rcs $@ $^

$(FUZZ_REPLAB:%=$(FUZZ)/fuzz_%): $(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ)/libreplab.a
	@echo "fuzz: LINK $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/replab -fsanitize=fuzzer -o $@ $< $(FUZZ)/libreplab.a $(FUZZ_LIBS) -lm

$(FUZZ_PGREPL:%=$(FUZZ)/fuzz_%): $(FUZZ)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FUZZ)/libpgrepl.a
	@echo "fuzz: LINK $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Isrc/pgrepl -fsanitize=fuzzer -o $@ $< $(FUZZ)/libpgrepl.a $(FUZZ_LIBS) -lm

.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_TARGETS:%=$(FUZZ)/fuzz_%)

fuzz:
	@if tests/fuzz/run.sh --probe $(FUZZ_CC); then \
		$(MAKE) --no-print-directory fuzz-build && tests/fuzz/run.sh $(FUZZ_TIME) $(FUZZ) $(FUZZ_TARGETS); \
	else \
		echo "fuzz: SKIP: $(FUZZ_CC) cannot build libFuzzer targets (apt-get install clang libclang-rt-14-dev)"; \
	fi
