# switchboard: build, run the embedded stack, test.
#   make run      install missing Debian packages, build, start the stack under var/
#   make stop     stop everything make run started
#   make test     lint, then build and run every test on a private stack; ends "N passed, N failed, N skipped"
#   make lint     the layer rule over the includes of lib/ and app/ (tests/lint.sh, DESIGN D187)
#   make screenshots  every dashboard page at 1366 and 390 px in headless Chromium, into docs/screenshots/
#   make deps     install the Debian packages (root) or print the apt-get line
#   make fault    fault scenarios under load on a private stack (DB/child/worker kill -9, full spool); ~3 min
#   make fuzz     libFuzzer (clang) on every tests/fuzz target, FUZZ_SECONDS each; fails on a crash
#   make valgrind 10,000 requests through one `serve` child under memcheck; fails on a leak or bad access
#   make check-replica  primary + replica, two pools behind one nginx upstream, simulate traffic, dashboard reads on the replica; ~1.5 min
#   make check-apache  the route switch of conf/apache/ in Apache 2.4 (installs apache2; test_96 alone)
#   make bench    print benchmark figures (ceiling comparison first; bench-* for one part): docs/BENCHMARKS.md
#   make install  binary, www/, sql/, systemd units, docs, man page, bash completion under PREFIX (/usr/local), DESTDIR honoured
#   make deb      build/deb/switchboard_VERSION_ARCH.deb (dpkg-deb, no debhelper)
#   make check-deb  build the .deb, install/remove/purge it in a fresh Debian 12 root (root; ~3 min)
# Options: SANITIZE=1 (ASan+UBSan), V=1 (echo commands), PORT=8080 (make run), PREFIX, DESTDIR

CC      ?= cc
PKGS    := libmariadb json-c libcurl libcrypto
CFLAGS  ?= -O2 -g
# sources by layer (DESIGN D186-D188): lib/base < lib/platform < lib/domain < lib/queue < app/ (tests/lint.sh
# checks it); headers are included by bare name, found through one -iquote per folder, placed before the
# system ones (lib/base/json.h before json-c's json.h); a file added flat in lib/ or app/ builds too
SRC_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard lib/*.[ch] lib/*/*.[ch] app/*.[ch] app/*/*.[ch]))))
INCLUDES := $(SRC_DIRS:%=-iquote %)
CFLAGS  += $(INCLUDES) -std=c17 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wformat=2 -Wno-format-nonliteral \
           -fstack-protector-strong $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lfcgi -lcrypt -lm -pthread
# -Wno-format-truncation: GCC 12 reports "null format string" on paths UBSan adds, not real ones
ifeq ($(SANITIZE),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -O1 -Wno-format-truncation
LDFLAGS += -fsanitize=address,undefined
BUILD   := build/san
else
BUILD   := build/rel
endif
Q       := $(if $(V),,@)
PORT    ?= 8080

LIB_SRC := $(wildcard lib/*.c lib/*/*.c)
APP_SRC := $(wildcard app/*.c app/*/*.c)
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/%.o)
APP_OBJ := $(APP_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC := $(wildcard tests/unit/*.c)
E2E_SRC  := $(wildcard tests/e2e/test_*.c)
E2E_LIB  := $(filter-out $(E2E_SRC),$(wildcard tests/e2e/*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit_%)
E2E_BIN  := $(E2E_SRC:tests/e2e/%.c=$(BUILD)/tests/e2e_%)
FAKE_BIN := $(BUILD)/tests/fake_providers $(BUILD)/tests/smtp_sink
# fuzz targets: tests/fuzz/fuzz_NAME.c, built with libFuzzer (build/fuzz/fuzz_NAME) and, for
# make test, with $(CC) + tests/fuzz/replay.c as unit_fuzz_NAME (replays corpus + regressions)
FUZZ_NAMES := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_REPLAY := $(FUZZ_NAMES:%=$(BUILD)/tests/unit_fuzz_%)
# app/ without main(): the route table for the router target
APP_LIB_OBJ := $(filter-out $(BUILD)/app/main.o,$(APP_OBJ))

# Debian packages: the build (make install/deb need only these), then stack and tests
BUILD_PKGS := gcc make pkg-config libc6-dev libcrypt-dev libfcgi-dev libmariadb-dev libjson-c-dev libcurl4-openssl-dev \
              libssl-dev
DEB_PKGS := $(BUILD_PKGS) libcmocka-dev mariadb-server mariadb-client nginx spawn-fcgi multiwatch curl tzdata \
            ca-certificates chromium chromium-driver man-db groff-base bsdutils
# only for make fuzz (clang's libFuzzer runtime is in libclang-rt-14-dev) and make valgrind
FUZZ_PKGS := clang libclang-rt-14-dev
VALGRIND_PKGS := valgrind

.PHONY: FORCE all deps run stop lint test screenshots fault fuzz valgrind check-replica check-apache install deb check-deb clean bench bench-ceiling bench-php bench-pipeline bench-statements bench-profile bench-functions bench-functions-load bench-ingest bench-sustained bench-linker bench-dashboard bin/switchboard lib/libswitchboard.a
all: bin/switchboard lib/libswitchboard.a

# where `make install` puts things; the binary finds sql/ next to itself (lib/config.h),
# SB_DATADIR is only the last resort
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
DATADIR    := $(PREFIX)/share/switchboard
DOCDIR     := $(PREFIX)/share/doc/switchboard
MANDIR     := $(PREFIX)/share/man
COMPLETIONDIR := $(PREFIX)/share/bash-completion/completions
$(BUILD)/lib/platform/config.o: CFLAGS += -DSB_DATADIR='"$(DATADIR)"'

# -MMD -MP: each object's .d names the headers it includes, so a header change rebuilds its includers only
$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC $<")
	$(Q)$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<
-include $(LIB_OBJ:.o=.d) $(APP_OBJ:.o=.d)

# an archive's member list as a file rewritten only when the list changes: a moved or deleted
# source rebuilds its archive, which is made anew (no stale member defines a symbol twice)
%.members: FORCE
	@mkdir -p $(dir $@)
	@echo '$(MEMBERS)' | cmp -s - $@ || echo '$(MEMBERS)' >$@
FORCE:
$(BUILD)/libswitchboard.members: MEMBERS = $(LIB_OBJ)
$(BUILD)/libapp.members: MEMBERS = $(APP_LIB_OBJ)
$(BUILD)/app.members: MEMBERS = $(APP_OBJ)
build/fuzz/libswitchboard.members: MEMBERS = $(FUZZ_LIB_OBJ)
build/fuzz/libapp.members: MEMBERS = $(FUZZ_APP_OBJ)

$(BUILD)/libswitchboard.a: $(LIB_OBJ) $(BUILD)/libswitchboard.members
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

# bin/ and lib/ hold the flavour built last (release or SANITIZE=1): always refreshed
lib/libswitchboard.a: $(BUILD)/libswitchboard.a
	$(Q)cmp -s $< $@ || cp $< $@

$(BUILD)/switchboard: $(APP_OBJ) $(BUILD)/libswitchboard.a $(BUILD)/app.members
	@$(if $(Q),echo "  LD $@")
	$(Q)$(CC) $(LDFLAGS) -o $@ $(APP_OBJ) $(BUILD)/libswitchboard.a $(LDLIBS)

# cp + mv: a running stack keeps its binary open ("text file busy" for cp onto it)
bin/switchboard: $(BUILD)/switchboard
	@mkdir -p bin
	$(Q)cmp -s $< $@ || { cp $< $@.tmp && mv -f $@.tmp $@; }

# the man page and the bash completion: printed by the binary from its command table (app/commands.c,
# DESIGN D148), so they cannot drift from what it accepts
$(BUILD)/switchboard.1: $(BUILD)/switchboard
	$(Q)$< man >$@.tmp && mv -f $@.tmp $@

$(BUILD)/switchboard.bash: $(BUILD)/switchboard
	$(Q)$< completion >$@.tmp && mv -f $@.tmp $@

$(BUILD)/tests/unit_%: tests/unit/%.c $(wildcard tests/unit/*.h) $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(BUILD)/libswitchboard.a $(LDLIBS) -lcmocka

$(BUILD)/libapp.a: $(APP_LIB_OBJ) $(BUILD)/libapp.members
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

$(BUILD)/tests/unit_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/fuzz.h $(BUILD)/libapp.a $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -DFUZZ_NAME='"$*"' -o $@ $< tests/fuzz/replay.c $(BUILD)/libapp.a \
	   $(BUILD)/libswitchboard.a $(LDLIBS)

$(BUILD)/tests/e2e_%: tests/e2e/%.c $(E2E_LIB) $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(E2E_LIB) $(BUILD)/libswitchboard.a $(LDLIBS) -lcmocka

deps:
	$(Q)conf/deps.sh $(DEB_PKGS)

run: deps
	$(Q)$(MAKE) --no-print-directory all $(FAKE_BIN)
	$(Q)SB_DEMO=1 conf/stack.sh start "$(CURDIR)/var" $(PORT)

stop:
	$(Q)conf/stack.sh stop "$(CURDIR)/var"

# the layer rule (DESIGN D187, D188): no include upwards, no entry folder into another, no pair
# including each other; a fraction of a second, so make test runs it first
lint:
	$(Q)tests/lint.sh

test: deps lint
	$(Q)$(MAKE) --no-print-directory all $(UNIT_BIN) $(FUZZ_REPLAY) $(E2E_BIN) $(FAKE_BIN)
	$(Q)tests/run.sh $(BUILD)/tests

# conf/apache/ in front of a private stack and a Laravel stand-in (tests/e2e/test_96_strangler.c):
# apache2 is installed for this target only; `make test` runs the same check when it is there
check-apache: deps
	$(Q)conf/deps.sh apache2
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/e2e_test_96_strangler $(FAKE_BIN)
	$(Q)SB_ONLY=e2e_test_96_strangler SB_APACHE=required tests/run.sh $(BUILD)/tests

# README screenshots: every dashboard page at 1366 and 390 px (tests/e2e/test_89_browser_glance.c) into docs/screenshots/
screenshots: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/e2e_test_89_browser_glance $(FAKE_BIN)
	$(Q)mkdir -p docs/screenshots
	$(Q)SB_ONLY=e2e_test_89_browser_glance SB_SCREENSHOTS="$(CURDIR)/docs/screenshots" tests/run.sh $(BUILD)/tests

# every acknowledged event stored and processed exactly once through kill -9 of each part (tests/fault/run.sh)
fault: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/fault_load
	$(Q)tests/fault/run.sh $(BUILD)/tests

# scale-out on MariaDB: replication, two pools, replica reads and their fallbacks (tests/replica/run.sh)
check-replica: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/fault_load $(FAKE_BIN)
	$(Q)tests/replica/run.sh $(BUILD)/tests

$(BUILD)/tests/fault_%: tests/fault/%.c $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $< $(BUILD)/libswitchboard.a $(LDLIBS)

# ---- fuzzing: clang + libFuzzer + ASan/UBSan (any UB aborts), its own objects in build/fuzz
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 30
FUZZ_CFLAGS  := $(INCLUDES) -std=c17 -D_GNU_SOURCE -g -O1 -Wall -Wextra -Wshadow -fno-omit-frame-pointer \
                -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all \
                $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
FUZZ_LIB_OBJ := $(LIB_SRC:%.c=build/fuzz/%.o)
FUZZ_APP_OBJ := $(filter-out build/fuzz/app/main.o,$(APP_SRC:%.c=build/fuzz/%.o))
FUZZ_BIN     := $(FUZZ_NAMES:%=build/fuzz/fuzz_%)

build/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC(fuzz) $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -MMD -MP -c -o $@ $<
-include $(FUZZ_LIB_OBJ:.o=.d) $(FUZZ_APP_OBJ:.o=.d)

build/fuzz/libswitchboard.a: $(FUZZ_LIB_OBJ) build/fuzz/libswitchboard.members
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

build/fuzz/libapp.a: $(FUZZ_APP_OBJ) build/fuzz/libapp.members
	$(Q)rm -f $@ && $(AR) rcs $@ $(filter %.o,$^)

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h build/fuzz/libapp.a build/fuzz/libswitchboard.a
	@$(if $(Q),echo "  LD(fuzz) $@")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libapp.a build/fuzz/libswitchboard.a $(LDLIBS)

# valgrind: the release build (memcheck and ASan do not mix); VG_REQUESTS=10000
$(BUILD)/tests/vg_drive: tests/fuzz/vg_drive.c $(E2E_LIB) $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(E2E_LIB) $(BUILD)/libswitchboard.a $(LDLIBS) -lcmocka

valgrind: deps
ifeq ($(SANITIZE),1)
	$(error make valgrind runs the release build: drop SANITIZE=1)
endif
	$(Q)conf/deps.sh $(VALGRIND_PKGS)
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/vg_drive $(FAKE_BIN)
	$(Q)tests/fuzz/valgrind.sh $(BUILD)/tests

fuzz: deps
	$(Q)conf/deps.sh $(FUZZ_PKGS)
	$(Q)$(MAKE) --no-print-directory $(FUZZ_BIN)
	$(Q)tests/fuzz/run.sh build/fuzz $(FUZZ_SECONDS) $(FUZZ_NAMES)

$(BUILD)/tests/fake_providers: tests/fake/fake_providers.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

# the loopback SMTP server of the test stack and `make run` (PORT+2, messages under VAR/mail/)
$(BUILD)/tests/smtp_sink: tests/fake/smtp_sink.c
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(LDLIBS)

$(BUILD)/tests/bench_%: tests/bench/bench_%.c $(BUILD)/libswitchboard.a
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -pthread -o $@ $< $(BUILD)/libswitchboard.a $(LDLIBS)

# lib/base/sig.c as a shared object: tests/bench/sign.lua signs wrk's requests with it (LuaJIT FFI)
$(BUILD)/tests/bench_sig.so: lib/base/sig.c lib/base/sig.h
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) -fPIC -shared $(LDFLAGS) -o $@ lib/base/sig.c -lcrypto

# benchmarks print figures (BENCH_EVENTS=2000 BENCH_CONNS=8); they assert nothing; docs/BENCHMARKS.md
# bench-ceiling: switchboard against nginx, an empty FastCGI responder, MariaDB and PHP in one run
# (BENCH_SECONDS=10 BENCH_CONNS=8 BENCH_ROUNDS=2 BENCH_RSS_N1=10000 BENCH_RSS_N2=100000 BENCH_OUT=build/bench)
bench-ceiling: deps
	$(Q)conf/deps.sh wrk
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_empty_fcgi $(BUILD)/tests/bench_dbinsert \
	  $(BUILD)/tests/bench_sig.so $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests ceiling

# the PHP floor of bench-ceiling needs php-fpm (Debian's, installed only here)
bench-php:
	$(Q)conf/deps.sh php8.2-fpm php8.2-mysql
	$(Q)$(MAKE) --no-print-directory bench-ceiling

# bench-pipeline: issue 16 targets 1-3 per provider and workload (BENCH_PROVIDERS="calcom retell retell-call"
# BENCH_WORKLOADS="new repeat" BENCH_EVENTS=2000 BENCH_CONNS=8 BENCH_WAIT=300 BENCH_KILL_RUN=1)
bench-pipeline: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_pipeline $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests pipeline

# the phone agent's functions alone, then while a bench-pipeline load runs (BENCH_CALLS=200 BENCH_LOAD_EVENTS=4000)
bench-functions-load: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_functions $(BUILD)/tests/bench_pipeline $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests functions-load

# ack only against MariaDB's durable insert ceiling per pool size (BENCH_POOLS="2 4 8" BENCH_SECONDS=10 BENCH_CONNS=8)
bench-ingest: deps
	$(Q)conf/deps.sh wrk
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_dbinsert $(BUILD)/tests/bench_sig.so $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests ingest

# a fixed rate for BENCH_MINUTES (10) with the worker killed twice; lag/RSS CSV and plot, lost/duplicated
# (BENCH_RATE: default half of a calibration run's processed rate; BENCH_SAMPLE=5 s; BENCH_PLOT=docs/bench-sustained.svg)
bench-sustained: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_pipeline $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests sustained

# statements per processed event (a count from MariaDB's general log, not a time: any machine will do)
bench-statements: deps
	$(Q)$(MAKE) --no-print-directory all $(FAKE_BIN)
	$(Q)SB_FAKE=$(abspath $(BUILD)/tests/fake_providers) tests/bench/statements.sh $(BENCH_STMT_EVENTS)

# where processing's MariaDB time goes (issue 16 target 1): performance_schema digests of the drain
bench-profile: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_pipeline $(FAKE_BIN)
	$(Q)SB_DB_OPTS="--performance-schema=ON --performance-schema-consumer-events-statements-current=ON $(SB_DB_OPTS)" BENCH_EVENTS=$${BENCH_EVENTS:-1000} tests/bench/run.sh $(BUILD)/tests profile

bench-functions: deps
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/tests/bench_functions $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests functions

bench-linker: deps
	$(Q)$(MAKE) --no-print-directory all $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests linker

bench-dashboard: deps
	$(Q)$(MAKE) --no-print-directory all $(FAKE_BIN)
	$(Q)tests/bench/run.sh $(BUILD)/tests dashboard

# the ceiling comparison first (~9 min); linker and dashboard load a million calls each, sustained runs 10 min (~1 h in all)
bench: bench-ceiling bench-ingest bench-pipeline bench-functions bench-functions-load bench-linker bench-sustained bench-dashboard

# The release binary only (a SANITIZE=1 build needs the sanitizer runtimes at run time).
# The config goes to SYSCONFDIR only when there is none: an operator's file is never replaced.
# Units run $(PREFIX)/bin/switchboard; they expect the switchboard user and its directories
# (README "Installing on a server"; the .deb's postinst makes them).
install:
	$(if $(filter 1,$(SANITIZE)),$(error make install takes the release build: drop SANITIZE=1))
	$(Q)conf/deps.sh $(BUILD_PKGS)
	$(Q)$(MAKE) --no-print-directory all $(BUILD)/switchboard.1 $(BUILD)/switchboard.bash
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(DATADIR)/www $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) \
	  $(DESTDIR)$(SYSCONFDIR)/switchboard $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 $(BUILD)/switchboard $(DESTDIR)$(PREFIX)/bin/switchboard
	gzip -9n <$(BUILD)/switchboard.1 >$(DESTDIR)$(MANDIR)/man1/switchboard.1.gz && chmod 0644 $(DESTDIR)$(MANDIR)/man1/switchboard.1.gz
	install -m 0644 $(BUILD)/switchboard.bash $(DESTDIR)$(COMPLETIONDIR)/switchboard
	install -m 0644 www/* $(DESTDIR)$(DATADIR)/www/
	for d in legacy migrations demo; do \
	  install -d $(DESTDIR)$(DATADIR)/sql/$$d && install -m 0644 sql/$$d/* $(DESTDIR)$(DATADIR)/sql/$$d/ || exit 1; done
	for u in conf/systemd/*.service conf/systemd/*.timer; do \
	  sed 's|/usr/bin/switchboard|$(PREFIX)/bin/switchboard|g' $$u >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	  chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done
	install -m 0644 README.md DESIGN.md conf/switchboard.conf.example conf/fastcgi_switchboard.conf \
	  conf/nginx.conf.in $(DESTDIR)$(DOCDIR)/
	for f in $$(cd conf && find nginx apache -type f); do \
	  install -D -m 0644 conf/$$f $(DESTDIR)$(DOCDIR)/$$f || exit 1; done
	install -m 0644 docs/MIGRATION.md docs/SCALING.md docs/SECURITY.md $(DESTDIR)$(DOCDIR)/
	test -e $(DESTDIR)$(SYSCONFDIR)/switchboard/switchboard.conf || \
	  install -m 0640 conf/switchboard.conf.example $(DESTDIR)$(SYSCONFDIR)/switchboard/switchboard.conf

# A .deb from `make install DESTDIR=build/deb/root PREFIX=/usr` plus conf/deb/ (control,
# maintainer scripts): see conf/deb/build.sh
deb:
	$(Q)conf/deb/build.sh

# Install, check, remove and purge the .deb in a fresh Debian 12 root made by mmdebstrap
# (installed on demand, root only). CHECK_DEB_HERE=1: on this machine instead (a throwaway
# container or CI); see conf/deb/check.sh
check-deb: deb
	$(Q)conf/deb/check.sh build/deb/switchboard_*.deb

clean:
	rm -rf build bin lib/libswitchboard.a
