# osr-rs: build, install and test.
#   make            build target/x86_64-unknown-linux-musl/release/osr-init and osr-cdsl (static)
#   make install    DESTDIR=... : /usr/sbin/osr-init, /usr/sbin/osr-cdsl + /usr/lib/dracut/modules.d/95osr-rs/
#   make test       the whole suite: host setup, cargo test, clippy, fmt, the seam check,
#                   a 5 s run of each fuzz target,
#                   netns DHCP tests, qemu boot scenarios
#   make fuzz       [SECONDS=N] every fuzz target for N seconds (default 60), one at a time
#   make demo       boot one diskless node in qemu and show its console
TARGET      := x86_64-unknown-linux-musl
CARGO       ?= cargo
BIN         := target/$(TARGET)/release/osr-init
CDSL_BIN    := target/$(TARGET)/release/osr-cdsl
DESTDIR     ?=
SBINDIR     := /usr/sbin
DRACUTMODDIR := /usr/lib/dracut/modules.d/95osr-rs

.PHONY: all build install uninstall test setup unit clippy fmt-check seam-check netns-tests scenarios fuzz fuzz-ci demo clean

all: build

build:
	$(CARGO) build --release --target $(TARGET) -p osr-init -p osr-cdsl

install: build
	install -D -m 0755 $(BIN) $(DESTDIR)$(SBINDIR)/osr-init
	install -D -m 0755 $(CDSL_BIN) $(DESTDIR)$(SBINDIR)/osr-cdsl
	install -D -m 0755 dracut-module/module-setup.sh $(DESTDIR)$(DRACUTMODDIR)/module-setup.sh

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/osr-init $(DESTDIR)$(SBINDIR)/osr-cdsl
	rm -rf $(DESTDIR)$(DRACUTMODDIR)

setup:
	qemu/setup-host

unit:
	$(CARGO) test --workspace

clippy:
	$(CARGO) clippy --workspace --all-targets -- -D warnings

fmt-check:
	$(CARGO) fmt --all -- --check

# no std::fs, std::net, std::process, std::os, nix or libc in boot code outside
# init/src/sys/ (the rules are in the script's header); the script's own test first
seam-check:
	tests/seam-check-selftest
	tests/seam-check

# the DHCP client against dnsmasq and a rogue server in network namespaces (builds first)
netns-tests:
	tests/netns/run

scenarios:
	qemu/run-scenarios

# the cargo-fuzz targets (fuzz/, its own workspace; fuzz/run says how), one at a time
SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(SECONDS) fuzz/run

# make test's short run: each target 5 s on the committed corpus (about 2 minutes
# with the build)
fuzz-ci:
	FUZZ_SECONDS=5 fuzz/run

# sequential on purpose: setup first, the qemu scenarios last
test:
	qemu/setup-host
	$(CARGO) test --workspace
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	$(CARGO) fmt --all -- --check
	tests/seam-check-selftest
	tests/seam-check
	tests/netns/run
	FUZZ_SECONDS=5 fuzz/run
	qemu/run-scenarios

demo:
	qemu/demo

clean:
	$(CARGO) clean
	rm -rf qemu/work
