# Gatehouse — build, run, test, bench, install.
#
#   make            build the three programs (warnings are errors)
#   make run        the real thing on 127.0.0.1:$(PORT) with its state under $(VAR)
#   make test       every test suite; `make test SAN=1` under ASan + UBSan
#   make rehearsal  the 72-hour rollout playbook against a fresh instance, in seconds (tests/rehearsal)
#   make bench      wrk through nginx: the app against a static file, same run
#   make install    PREFIX=/usr/local DESTDIR=
#   make format     clang-format in place; `make format-check` only checks
#   make deps       install the Debian packages the project needs (run/test do it themselves)

PREFIX  ?= /usr/local
DESTDIR ?=
PORT    ?= 8080
VAR     ?= var
SAN     ?= 0

DATADIR    = $(PREFIX)/share/gatehouse
LIBEXECDIR = $(PREFIX)/libexec/gatehouse
BINDIR     = $(PREFIX)/bin

# The libraries come from pkg-config, asked when this Makefile is read. On a
# fresh machine they are not installed yet at that moment, so `run`, `test`
# and `bench` install them first (deps) and then build in a new make, which
# reads this file again and finds them; `make` alone says what is missing.
PKGS     = fcgi sqlite3 libctemplate libsodium jansson libcurl
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
SUBMAKE   = $(MAKE) --no-print-directory SAN='$(SAN)'

WARN      = -Wall -Wextra -Werror -Wshadow -Wformat=2 -Wvla
HARDEN    = -fstack-protector-strong -fPIE
CPPFLAGS += -D_GNU_SOURCE -DGH_DATADIR='"$(DATADIR)"' -MMD -MP
ifeq ($(SAN),1)
BUILD     = build/san
OPT       = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
LDSAN     = -fsanitize=address,undefined
else
BUILD     = build/release
OPT       = -O2 -g -D_FORTIFY_SOURCE=2
LDSAN     =
endif
CFLAGS   ?=
CFLAGS   += -std=c11 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS)
CXXFLAGS += -std=c++17 $(OPT) $(WARN) $(HARDEN) $(PKG_CFLAGS)
LDFLAGS  += -pie -Wl,-z,relro,-z,now $(LDSAN)
LDLIBS    = $(PKG_LIBS) -lpthread

CORE_SRC   = $(wildcard core/*.c)
CORE_OBJ   = $(CORE_SRC:%.c=$(BUILD)/%.o) $(BUILD)/core/tpl.o
APP_OBJ    = $(patsubst %.c,$(BUILD)/%.o,$(wildcard cgi-bin/*.c)) $(BUILD)/cgi-bin/openapi_blob.o
WORKER_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(wildcard worker/*.c))
ADMIN_OBJ  = $(patsubst %.c,$(BUILD)/%.o,$(wildcard admin/*.c))
UNIT_OBJ   = $(patsubst %.c,$(BUILD)/%.o,$(wildcard tests/unit/*.c))

PROGRAMS = cgi-bin/gatehouse.fcgi bin/gatehouse-worker bin/gatehouse

.PHONY: all deps run test unit rehearsal bench install clean format format-check check-templates FORCE
all: check-templates $(PROGRAMS)

# Recompile when the flags change; relink the programs when the mode changes
# (SAN=1 and back: each mode keeps its own objects, the programs are shared).
$(BUILD)/flags: FORCE
	@command -v pkg-config >/dev/null && pkg-config --exists $(PKGS) || { \
		echo "make: the libraries to build against are missing ($(PKGS));" >&2; \
		echo "      run 'make deps' first (make run and make test do it themselves)" >&2; exit 1; }
	@mkdir -p $(@D)
	@echo '$(CFLAGS) $(CXXFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CFLAGS) $(CXXFLAGS) $(LDFLAGS)' > $@
build/mode: FORCE
	@mkdir -p $(@D)
	@echo '$(BUILD)' | cmp -s - $@ || echo '$(BUILD)' > $@

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(@D)
	@echo "  CC      $<"
	@$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/%.o: %.cc $(BUILD)/flags
	@mkdir -p $(@D)
	@echo "  CXX     $<"
	@$(CXX) $(CPPFLAGS) $(CXXFLAGS) -c $< -o $@

$(BUILD)/cgi-bin/openapi_blob.o: cgi-bin/openapi_blob.S docs/openapi.json $(BUILD)/flags
	@mkdir -p $(@D)
	@echo "  AS      $<"
	@$(CC) -c $< -o $@

$(BUILD)/libcore.a: $(CORE_OBJ)
	@echo "  AR      $@"
	@$(AR) rcs $@ $^

cgi-bin/gatehouse.fcgi: $(APP_OBJ) $(BUILD)/libcore.a build/mode
	@echo "  LINK    $@"
	@$(CXX) $(LDFLAGS) -o $@ $(filter-out build/mode,$^) $(LDLIBS)

bin/gatehouse-worker: $(WORKER_OBJ) $(BUILD)/libcore.a build/mode
	@mkdir -p bin
	@echo "  LINK    $@"
	@$(CXX) $(LDFLAGS) -o $@ $(filter-out build/mode,$^) $(LDLIBS)

bin/gatehouse: $(ADMIN_OBJ) $(BUILD)/libcore.a build/mode
	@mkdir -p bin
	@echo "  LINK    $@"
	@$(CXX) $(LDFLAGS) -o $@ $(filter-out build/mode,$^) $(LDLIBS)

$(BUILD)/unit-tests: $(UNIT_OBJ) $(BUILD)/libcore.a
	@echo "  LINK    $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Every template must start with HTML auto-escaping and never switch it off.
check-templates:
	@tests/check_templates.sh templates

deps:
	@conf/dev/deps

run: deps
	@$(SUBMAKE) all
	@VAR='$(VAR)' PORT='$(PORT)' conf/dev/run

unit: all $(BUILD)/unit-tests
	$(BUILD)/unit-tests

# A fresh instance of its own under build/rehearsal (REHEARSAL_DIR=...), every scenario, the reports kept.
rehearsal: deps
	@$(SUBMAKE) all
	@tests/rehearsal/run

# The bench program is built too, so that a change of core/ cannot leave it behind.
test: deps
	@$(SUBMAKE) all $(BUILD)/unit-tests $(BUILD)/ledger-bench
	@SAN='$(SAN)' UNIT='$(BUILD)/unit-tests' tests/run

$(BUILD)/ledger-bench: $(BUILD)/tests/bench/ledger_bench.o $(BUILD)/libcore.a
	@echo "  LINK    $@"
	@$(CXX) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bench: deps
	@$(SUBMAKE) all $(BUILD)/ledger-bench
	@LEDGER_BENCH='$(BUILD)/ledger-bench' tests/bench/run

FORMAT_FILES = $(wildcard core/*.[ch] core/*.cc cgi-bin/*.[ch] worker/*.[ch] admin/*.[ch] tests/unit/*.[ch] \
	tests/bench/*.c)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	@clang-format --dry-run --Werror $(FORMAT_FILES) && echo "format: clean"

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) $(DESTDIR)$(DATADIR)/templates \
		$(DESTDIR)$(DATADIR)/static $(DESTDIR)$(DATADIR)/conf $(DESTDIR)$(DATADIR)/conf/plans \
		$(DESTDIR)$(DATADIR)/conf/prometheus
	install -m 0755 cgi-bin/gatehouse.fcgi $(DESTDIR)$(LIBEXECDIR)/gatehouse.fcgi
	install -m 0755 bin/gatehouse-worker bin/gatehouse $(DESTDIR)$(BINDIR)/
	install -m 0644 templates/*.tpl $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 static/* $(DESTDIR)$(DATADIR)/static/
	install -m 0644 conf/gatehouse.conf $(DESTDIR)$(DATADIR)/conf/gatehouse.conf.sample
	install -m 0644 conf/nginx/fastcgi_gatehouse conf/nginx/gatehouse.conf conf/crontab \
		conf/systemd/*.service conf/systemd/*.timer $(DESTDIR)$(DATADIR)/conf/
	install -m 0644 conf/plans/*.json $(DESTDIR)$(DATADIR)/conf/plans/
	install -m 0644 conf/prometheus/*.yml $(DESTDIR)$(DATADIR)/conf/prometheus/
	install -m 0644 docs/openapi.json $(DESTDIR)$(DATADIR)/openapi.json
	@echo "installed under $(DESTDIR)$(PREFIX); see README.md, 'Operating it', for nginx, systemd, cron and Prometheus"

clean:
	rm -rf build bin cgi-bin/gatehouse.fcgi tests/artifacts

-include $(shell find build -name '*.d' 2>/dev/null)
