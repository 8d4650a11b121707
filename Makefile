# SPDX-License-Identifier: GPL-2.0
#
# taxcut: paravirtual guest support for KVM guests on dedicated CPUs.
#
#   make            build taxcut.ko against KDIR (default: Debian's headers)
#   make deps       install and fetch what the project needs (idempotent)
#   make kernel     build the 6.12 guest kernel (VARIANT=release|debug)
#   make check      build and run every test; ends with "N passed, N failed"
#   make demo       boot a guest, load taxcut, show what it found and chose
#   make bench      run the benchmarks: build/bench/*.json and tables
#                   (BENCH_ARGS="--only ipi --repeats 1" for a quick look)
#   make agent      build the exitless timer's host agent (build/agent/)
#   make install-agent  install it, taxcut-qmp, its man page and systemd
#                   units (PREFIX=/usr/local, DESTDIR; uninstall-agent)
#   make install    install taxcut.ko for KDIR's kernel (uninstall: remove;
#                   INSTALL_MOD_PATH=DIR installs under DIR)
#   make taxcutctl  build the guest's status tool (build/taxcutctl/);
#                   install-taxcutctl, uninstall-taxcutctl (PREFIX, DESTDIR)
#   make deb        Debian packages taxcut-dkms, taxcut-tools and taxcut-agent
#                   into build/deb/, checked with lintian (tools/deb)
#
# Everything built lands under build/; downloads and kernel builds are
# cached under ~/.cache/taxcut (TAXCUT_CACHE).

SHELL := /bin/bash
BUILD_SCRIPTS := tools/build
KDIR ?= $(shell . $(BUILD_SCRIPTS)/common.sh && debian_kdir)
KREL = $(shell . $(BUILD_SCRIPTS)/common.sh && kernel_release $(KDIR))
VARIANT ?= release

.PHONY: all module agent install-agent uninstall-agent taxcutctl install-taxcutctl \
	uninstall-taxcutctl deps kernel check unit demo bench install uninstall deb clean

all: module

# a user's build: the warning flags (W=1, sparse) belong to make check
module:
	@$(BUILD_SCRIPTS)/module.sh $(KDIR) >/dev/null
	@echo "built build/module/$(KREL)/taxcut.ko"

# the exitless timer's host agent (tools/taxcut-agent)
agent:
	@$(MAKE) -s -C tools/taxcut-agent O=$(CURDIR)/build/agent
	@echo "built build/agent/taxcut-agent"

install-agent uninstall-agent:
	@$(MAKE) -s -C tools/taxcut-agent O=$(CURDIR)/build/agent $(@:-agent=)

# the guest's status tool (tools/taxcutctl)
taxcutctl:
	@$(MAKE) -s -C tools/taxcutctl O=$(CURDIR)/build/taxcutctl
	@echo "built build/taxcutctl/taxcutctl"

install-taxcutctl uninstall-taxcutctl:
	@$(MAKE) -s -C tools/taxcutctl O=$(CURDIR)/build/taxcutctl $(@:-taxcutctl=)

deps:
	@$(BUILD_SCRIPTS)/deps.sh

kernel: deps
	@$(BUILD_SCRIPTS)/kernel.sh $(VARIANT)

check: deps
	@selftests/run.sh

unit:
	@selftests/run.sh unit

demo: deps
	@tools/demo.sh

bench: deps
	@tools/bench/run.sh $(BENCH_ARGS)

# absolute: kbuild runs in KDIR, depmod and rm here
override INSTALL_MOD_PATH := $(if $(INSTALL_MOD_PATH),$(abspath $(INSTALL_MOD_PATH)))
DEPMOD = depmod $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) -a $(KREL)
# where kbuild installs an external module (extra/ by default, updates/ with
# Debian 13's kbuild), compressed as the kernel's own modules are
# (taxcut.ko.xz on Debian 13)
INSTALLED = $(foreach d,updates extra,$(INSTALL_MOD_PATH)/lib/modules/$(KREL)/$(d)/taxcut.ko*)
NEED_KREL = @[ -n "$(KREL)" ] || { echo "taxcut: no kernel release in '$(KDIR)':" \
	"install its headers or pass KDIR=" >&2; exit 1; }

install: module
	$(NEED_KREL)
	$(MAKE) -C $(KDIR) M=$(CURDIR)/build/module/$(KREL) INSTALL_MOD_PATH=$(INSTALL_MOD_PATH) \
		modules_install
	$(DEPMOD)

uninstall:
	$(NEED_KREL)
	rm -f $(INSTALLED)
	$(DEPMOD)

# Debian packages (docs/packaging.md)
deb:
	@tools/deb/build.sh

clean:
	rm -rf build
