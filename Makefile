# hposctl - GNU make build.  `make help` lists the targets.
#
# Objects go to $(O) (default build/); `make asan` uses build-asan/,
# `make tsan` build-tsan/.
# Every target that needs the build or the test packages first runs
# tests/deps.sh, which installs what is missing (as root) or prints the
# exact apt-get line to run.

O        ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR   ?= $(PREFIX)/bin
MANDIR   ?= $(PREFIX)/share/man
DOCDIR   ?= $(PREFIX)/share/doc/hposctl
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions

CC       ?= cc
PKGS      = mysqlclient yaml-0.1
WARN      = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wformat-security \
            -Wstrict-prototypes -Wmissing-prototypes -Wold-style-definition \
            -Wpointer-arith -Wcast-qual -Wwrite-strings -Wundef \
            -Wvla -Wnull-dereference -Wimplicit-fallthrough \
            -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?= $(OPT)
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(SANITIZE) -Iinclude \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP
LIBS      = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_LIBS = $(shell pkg-config --libs cmocka 2>/dev/null)

SRCS      = $(wildcard src/*.c)
LIB_SRCS  = $(filter-out src/main.c,$(SRCS))
LIB_OBJS  = $(LIB_SRCS:%.c=$(O)/%.o)
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(UNIT_SRCS:tests/unit/%.c=$(O)/tests/%)
GEN_SRCS  = $(wildcard tests/gen/*.c)
TOOLS     = $(if $(GEN_SRCS),$(O)/storegen)
FUZZ_SRCS = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(FUZZ_SRCS:tests/fuzz/%.c=$(O)/fuzz/%)
FUZZ_SECONDS ?= 60

# Quiet by default, one line per file as git and the kernel print it
# (`CC src/migrate.c`); `make V=1` shows the full commands.
V ?= 0
ifeq ($(V),0)
msg     = @printf '  %-6s %s\n' $(1) $(2);
else
msg     =
endif

.PHONY: all check asan tsan _tsan_reader bench demo install clean help deps build-all unit integration _check soak fuzz _fuzz deb

all: $(O)/hposctl

$(O)/hposctl: $(O)/src/main.o $(O)/libhposctl.a
	$(call msg,LINK,$@)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(O)/libhposctl.a: $(LIB_OBJS)
	@rm -f $@
	$(call msg,AR,$@)ar rcs $@ $^

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	$(call msg,CC,$<)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(O)/tests/%: tests/unit/%.c $(O)/libhposctl.a
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)$(CC) $(ALL_CFLAGS) -o $@ $< $(O)/libhposctl.a $(TEST_LIBS) $(LIBS)

$(O)/storegen: $(GEN_SRCS:%.c=$(O)/%.o) $(O)/libhposctl.a
	$(call msg,LINK,$@)$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(O)/fuzz/%: tests/fuzz/%.c $(O)/libhposctl.a
	@mkdir -p $(dir $@)
	$(call msg,LINK,$@)$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< $(O)/libhposctl.a $(LIBS)

build-all: $(O)/hposctl $(UNIT_BINS) $(TOOLS)

deps:
	@tests/deps.sh

# The whole suite: unit tests (cmocka) then integration tests through the
# real binary against a private MariaDB that the scripts start themselves;
# last, the reader/writer retry test once more under ThreadSanitizer.
check: deps
	@$(MAKE) --no-print-directory _check
	@$(MAKE) --no-print-directory _tsan_reader

_check: build-all
	@tests/run-unit.sh $(O)
	@tests/integration/run.sh $(O)

unit: build-all
	@tests/run-unit.sh $(O)

integration: build-all
	@tests/integration/run.sh $(O)

# Same suite under AddressSanitizer + UndefinedBehaviorSanitizer.
asan: deps
	@$(MAKE) --no-print-directory _check O=build-asan OPT="-O1 -g" \
		SANITIZE="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

# Same suite under ThreadSanitizer (build-tsan/).  A race report stops the
# run with exit 66 (halt_on_error), which fails the test.  io_sync=0: TSan's
# default (1) makes every send on any socket a release and every receive an
# acquire of one object shared by all sockets, so each database round trip
# orders all of hposctl's threads and hides their races (the reader's
# unlocked retry count went unreported that way).  hposctl's threads never
# hand memory to each other through a socket: each has its own connection.
TSAN_SANITIZE = -fsanitize=thread -fno-omit-frame-pointer
TSAN_ENV      = TSAN_OPTIONS="halt_on_error=1 exitcode=66 io_sync=0 $${TSAN_OPTIONS:-}"
tsan: deps
	@$(TSAN_ENV) $(MAKE) --no-print-directory _check O=build-tsan OPT="-O1 -g" SANITIZE="$(TSAN_SANITIZE)"

# `make check`'s last step: the binary under TSan and t_reader_retry.sh, where
# the reader thread and a writer thread both retry (a few seconds).
_tsan_reader:
	@$(MAKE) --no-print-directory O=build-tsan OPT="-O1 -g" SANITIZE="$(TSAN_SANITIZE)" build-tsan/hposctl
	@$(TSAN_ENV) tests/integration/run.sh build-tsan tests/integration/t_reader_retry.sh

# libFuzzer targets (tests/fuzz/) built with clang, each run FUZZ_SECONDS.
# gcc's -Werror build is the reference; two clang-only diagnostics that gcc
# handles differently (/* fall through */ comments, v*printf wrappers) are off.
fuzz:
	@tests/deps.sh --fuzz
	@$(MAKE) --no-print-directory _fuzz O=build-fuzz CC=clang \
		OPT="-O1 -g -Wno-implicit-fallthrough -Wno-format-nonliteral" \
		SANITIZE="-fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all"

_fuzz: $(FUZZ_BINS)
	@tests/fuzz/run.sh $(O) $(FUZZ_SECONDS)

# BENCH_ORDERS=N: one store of N orders instead of BENCH_SIZES (100k, 1M);
# BASE=REV: before/after, REV's hposctl and this tree's alternately on the
# same store (BENCH_ROUNDS runs each, default 2).  tests/bench/run.sh.
bench: deps
	@$(MAKE) --no-print-directory build-all
	@BASE='$(BASE)' BENCH_ORDERS='$(BENCH_ORDERS)' BENCH_SIZES='$(BENCH_SIZES)' BENCH_ROUNDS='$(BENCH_ROUNDS)' \
		tests/bench/run.sh $(O)

# The long fault suite: 2-minute live shops beside forward and reverse
# sync; forward sync, reverse sync and cleanup each killed at 20 random
# moments; 10 provoked deadlocks per run; the bad-input corpus.  run.sh
# ends with the totals (kills survived, retries absorbed, bad inputs).
SOAK_TESTS = t_live_writer t_live_writer_hpos t_sync_kill t_reverse_kill t_cleanup_kill \
             t_sync_deadlock t_sync_faults t_reverse_faults t_bad_input
soak: deps
	@$(MAKE) --no-print-directory build-all
	@LIVE_SECONDS=$${LIVE_SECONDS:-120} TSK_ORDERS=$${TSK_ORDERS:-20000} \
	 TSK_POINTS="$$(awk 'BEGIN { srand(); for (i = 0; i < 20; i++) printf "%.2f%s ", 0.02 + rand() * 0.95, (i % 5 == 4 ? "nt" : "") }')" \
	 RSK_POINTS="$$(awk 'BEGIN { srand(); rand(); for (i = 0; i < 20; i++) printf "%.2f ", 0.02 + rand() * 0.93 }')" \
	 RSK_ORDERS=$${RSK_ORDERS:-5000} TCK_KILLS=$${TCK_KILLS:-20} DL_ROUNDS=$${DL_ROUNDS:-10} DL_ORDERS=$${DL_ORDERS:-5000} \
	 tests/integration/run.sh $(O) $(SOAK_TESTS:%=tests/integration/%.sh)

demo: deps
	@$(MAKE) --no-print-directory build-all
	@tests/demo.sh $(O)

# Completion scripts come from the binary's own command table.
$(O)/completion/hposctl $(O)/completion/_hposctl: $(O)/hposctl
	@mkdir -p $(O)/completion
	$(call msg,GEN,$(O)/completion/hposctl)$(O)/hposctl completion bash > $(O)/completion/hposctl
	$(call msg,GEN,$(O)/completion/_hposctl)$(O)/hposctl completion zsh > $(O)/completion/_hposctl

install: $(O)/hposctl $(O)/completion/hposctl $(O)/completion/_hposctl
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(DOCDIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(O)/hposctl $(DESTDIR)$(BINDIR)/hposctl
	install -m 0644 docs/hposctl.1 $(DESTDIR)$(MANDIR)/man1/hposctl.1
	install -m 0644 config.example.yml $(DESTDIR)$(DOCDIR)/config.example.yml
	install -m 0644 $(O)/completion/hposctl $(DESTDIR)$(BASHCOMPDIR)/hposctl
	install -m 0644 $(O)/completion/_hposctl $(DESTDIR)$(ZSHCOMPDIR)/_hposctl

# A .deb from `make install DESTDIR=`, Depends from the linked libraries,
# then installed into a throwaway dpkg root and tried there.
deb: $(O)/hposctl
	@tests/deb/mkdeb.sh $(O) > $(O)/deb.name
	@echo "Built $$(cat $(O)/deb.name)"
	@tests/deb/testdeb.sh $$(cat $(O)/deb.name)

clean:
	rm -rf build build-asan build-tsan build-fuzz

help:
	@echo "Targets:"
	@echo "  all      build $(O)/hposctl (default)"
	@echo "  check    install missing packages, build, run unit + integration tests (t_reader_retry also under TSan)"
	@echo "  asan     the same suite built with ASan + UBSan (build-asan/)"
	@echo "  tsan     the same suite built with ThreadSanitizer (build-tsan/); a race fails the test (exit 66)"
	@echo "  fuzz     libFuzzer targets (clang): config, wp-config.php, DB_HOST, replica DSN parsers, FUZZ_SECONDS each"
	@echo "  bench    generate 100k and 1M-order stores and measure sync and cleanup against plain SQL:"
	@echo "           wall clock, and CPU per order of hposctl and of mariadbd;"
	@echo "           BENCH_ORDERS=N one size; BASE=REV before/after: REV's binary and this one on the same store"
	@echo "  soak     the long fault suite: 2-minute live shops, 20 random kills of sync, reverse sync, cleanup"
	@echo "  demo     a guided tour: sandbox MariaDB, 50,000-order store, status/sync/verify"
	@echo "  install  install binary, man page, config.example.yml, bash/zsh completion (PREFIX=$(PREFIX), DESTDIR=)"
	@echo "  deb      build $(O)/hposctl_<version>-1_<arch>.deb (dpkg-deb) and test it in a throwaway root"
	@echo "  clean    remove build directories"
	@echo "Variables: O=builddir CC= CFLAGS= PREFIX= DESTDIR= V=1 (full compiler commands)"

-include $(shell find $(O) -name '*.d' 2>/dev/null)
