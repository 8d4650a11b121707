#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages (make deb, docs/packaging.md): they build, lintian
# finds no error in them, and taxcut-dkms installs as a guest-image builder
# installs it: into the trixie build environment (stock Debian 13 headers)
# and on this machine (Debian 12's headers), where DKMS must build and
# install taxcut.ko for that kernel; purged, it leaves nothing behind.
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
out=$TAXCUT_BUILD/check/package
debs=$TAXCUT_BUILD/deb
rm -rf "$out" && mkdir -p "$out"
version=$(cat "$TAXCUT_TOP/VERSION")

ok() { echo "ok - package/$1"; }
not_ok() { echo "not ok - package/$1"; }
expect() {
	local name=$1
	shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}
# show a log's end under a failed test
show() { tail -n "${2:-20}" "$1" 2>/dev/null | sed 's/^/#   /'; }

# --- make deb -----------------------------------------------------------------
start=$SECONDS
if make -s -C "$TAXCUT_TOP" deb >"$out/deb.log" 2>&1; then
	ok "deb: make deb builds the packages ($((SECONDS - start)) s)"
else
	not_ok "deb: make deb builds the packages"
	show "$out/deb.log" 30
fi
deb_of() { ls "$debs/$1_${version}_"*.deb 2>/dev/null | head -n1; }
for p in taxcut-dkms taxcut-tools taxcut-agent; do
	expect "deb: $p $version is built" test -n "$(deb_of "$p")"
done
expect "deb: taxcut-dkms is architecture all" \
	test "$(dpkg-deb -f "$(deb_of taxcut-dkms)" Architecture 2>/dev/null)" = all

if [ -f "$debs/lintian.txt" ] && grep -q '^lintian: ' "$out/deb.log"; then
	errors=$(grep -c '^E: ' "$debs/lintian.txt")
	expect "lintian: no errors ($errors errors, $(grep -c '^W: ' "$debs/lintian.txt") warnings)" \
		test "$errors" -eq 0
	sed -n 's/^\([EW]: \)/#   \1/p' "$debs/lintian.txt"
else
	not_ok "lintian: it ran on the packages"
fi

# --- what the packages hold ---------------------------------------------------
# contents PKG: the paths in the package, one a line, without the leading .
contents() { dpkg-deb -c "$(deb_of "$1")" 2>/dev/null | awk '{ print substr($6, 2) }'; }
has() { contents "$1" | grep -qxF "$2"; }

src=/usr/src/taxcut-$version
expect "dkms: taxcut-dkms holds the source and dkms.conf under $src" \
	eval "has taxcut-dkms $src/dkms.conf && has taxcut-dkms $src/Kbuild &&
	      has taxcut-dkms $src/tools/build/module.sh"
expect "dkms: taxcut-dkms depends on dkms" \
	eval "dpkg-deb -f '$(deb_of taxcut-dkms)' Depends | grep -qw dkms"

# the modprobe.d example: every line a comment, every parameter of the
# module named (module_param / module_param_cb in the module's sources)
conf=$out/modprobe.conf
dpkg-deb --fsys-tarfile "$(deb_of taxcut-dkms)" 2>/dev/null |
	tar -xOf - ./etc/modprobe.d/taxcut.conf >"$conf" 2>/dev/null
# shellcheck disable=SC2046 # one path per object of the module
params=$(cd "$TAXCUT_TOP" && sed -n 's/^[[:space:]]*module_param\(_cb\)\{0,1\}(\([a-z_0-9]*\),.*/\2/p' \
	$(sed -n 's|^[[:space:]]*\([a-z_/0-9]*\)\.o.*|\1.c|p' Kbuild) | sort -u)
missing=$(for p in $params; do grep -q "^#options taxcut $p=" "$conf" || echo "$p"; done | paste -sd ' ')
expect "dkms: /etc/modprobe.d/taxcut.conf is all comments" \
	eval "[ -s '$conf' ] && ! grep -qv '^#' '$conf'"
expect "dkms: /etc/modprobe.d/taxcut.conf names every parameter ($(wc -w <<<"$params"))${missing:+, missing: $missing}" \
	eval "[ -n '$params' ] && [ -z '$missing' ]"
expect "dkms: /etc/modprobe.d/taxcut.conf is a conffile" \
	eval "dpkg-deb --ctrl-tarfile '$(deb_of taxcut-dkms)' | tar -xOf - ./conffiles |
	      grep -qx /etc/modprobe.d/taxcut.conf"

expect "tools: taxcut-tools holds taxcutctl and its man page" \
	eval "has taxcut-tools /usr/sbin/taxcutctl && has taxcut-tools /usr/share/man/man8/taxcutctl.8.gz"
expect "agent: taxcut-agent holds the agent, taxcut-qmp, the man page and both units" \
	eval "has taxcut-agent /usr/sbin/taxcut-agent && has taxcut-agent /usr/sbin/taxcut-qmp &&
	      has taxcut-agent /usr/share/man/man8/taxcut-agent.8.gz &&
	      has taxcut-agent /lib/systemd/system/taxcut-agent.service &&
	      has taxcut-agent /lib/systemd/system/taxcut-agent@.service"
# dpkg-buildflags' hardening reached the tools' compile and link: the
# compile line has them, the binary is PIE with full RELRO
hardened() {
	local bin=$1 line
	line=$(grep -E "^(cc|gcc).* -o [^ ]*/$(basename "$bin")( |$)" "$debs/build.log" | head -n1)
	[[ "$line" == *-D_FORTIFY_SOURCE=* && "$line" == *-fstack-protector-strong* &&
		"$line" == *-Wl,-z,relro* && "$line" == *-Wl,-z,now* ]] || return 1
	readelf -h "$bin" | grep -q 'Type:.*DYN' &&
		readelf -d "$bin" | grep -q 'FLAGS.*BIND_NOW' &&
		readelf -l "$bin" | grep -q GNU_RELRO
}
for t in taxcut-agent:taxcut-agent taxcut-tools:taxcutctl; do
	p=${t%%:*} bin=${t#*:}
	expect "hardening: $bin is built with dpkg-buildflags (fortify, stack protector, PIE, RELRO, BIND_NOW)" \
		hardened "$debs/taxcut-$version/debian/$p/usr/sbin/$bin"
done

# --- taxcut-dkms installs, DKMS builds the module, purge removes it ----------
dkms_deb=$(deb_of taxcut-dkms)
if [ -z "$dkms_deb" ]; then
	not_ok "install: taxcut-dkms was built"
	exit 0
fi

# one install test at a time on this machine (the host's dpkg, the shared
# trixie environment in the cache)
exec 7>"$TAXCUT_CACHE/package-test.lock"
flock -w 1800 7 || { not_ok "install: the package test lock ($TAXCUT_CACHE/package-test.lock)"; exit 0; }

troot=$(trixie_root)
# in ROOT (empty: this machine), with a clean environment as apt runs it
in_root() {
	local root=$1
	shift
	if [ -n "$root" ]; then
		chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
			LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive "$@"
	else
		env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 \
			DEBIAN_FRONTEND=noninteractive "$@"
	fi
}
# dpkg in ROOT; while another package manager holds its lock (an apt run
# beside the test), wait for it, up to 5 minutes
dpkg_in() {
	local root=$1 rc errs
	shift
	errs=$(mktemp)
	for _ in $(seq 60); do
		in_root "$root" dpkg "$@" 2>"$errs"
		rc=$?
		grep -q 'locked by another process' "$errs" || break
		sleep 5
	done
	cat "$errs" >&2
	rm -f "$errs"
	return $rc
}
purge_in() {
	in_root "$1" dpkg-query -W taxcut-dkms >/dev/null 2>&1 || return 0
	dpkg_in "$1" --purge taxcut-dkms
}

cleanup() {
	purge_in "" >/dev/null 2>&1
	purge_agent >/dev/null 2>&1
	if [ -d "$troot" ]; then
		purge_in "$troot" >/dev/null 2>&1
		rm -f "$troot"/tmp/taxcut-dkms_*.deb
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

# module_ok ROOT ABI FILE: FILE (under updates/dkms) is built for ABI and in
# ABI's modules.dep
module_ok() {
	[ -n "$3" ] &&
		in_root "$1" modinfo -F vermagic "/lib/modules/$2/updates/dkms/$3" | grep -q "^$2 " &&
		grep -q 'updates/dkms/taxcut\.ko' "$1/lib/modules/$2/modules.dep"
}

# install_cycle NAME ROOT ABI: install, check DKMS's work for ABI, purge
install_cycle() {
	local name=$1 root=$2 abi=$3 log=$out/install-$1.log deb=$dkms_deb st mod left
	if ! in_root "$root" dpkg-query -W -f='${Status}' dkms 2>/dev/null | grep -q 'ok installed'; then
		not_ok "install-$name: dkms is installed there (run make deps)"
		return
	fi
	if ! [ -e "$root/lib/modules/$abi/build/include" ]; then
		not_ok "install-$name: the headers of $abi are installed (/lib/modules/$abi/build)"
		return
	fi
	# a run killed before its trap left it installed: start clean
	purge_in "$root" >"$log" 2>&1
	if [ -n "$root" ]; then
		cp "$dkms_deb" "$root/tmp/" && deb=/tmp/$(basename "$dkms_deb")
	fi
	start=$SECONDS
	if dpkg_in "$root" -i "$deb" >>"$log" 2>&1; then
		ok "install-$name: dpkg -i taxcut-dkms ($((SECONDS - start)) s)"
	else
		not_ok "install-$name: dpkg -i taxcut-dkms"
		show "$log" 30
		in_root "$root" sh -c "cat /var/lib/dkms/taxcut/$version/build/make.log" 2>/dev/null | tail -n 20 | sed 's/^/#   /'
		purge_in "$root" >>"$log" 2>&1
		return
	fi
	st=$(in_root "$root" dkms status -m taxcut -v "$version" -k "$abi" 2>&1)
	echo "# $name: dkms status: $st"
	expect "install-$name: dkms says taxcut/$version is installed for $abi" \
		grep -q "^taxcut/$version, $abi, [^:]*: installed" <<<"$st"
	mod=$(cd "$root/lib/modules/$abi/updates/dkms" 2>/dev/null && ls taxcut.ko* 2>/dev/null | head -n1)
	expect "install-$name: taxcut.ko is under /lib/modules/$abi/updates/dkms (${mod:-nothing})" \
		test -n "$mod"
	expect "install-$name: the module is for $abi (vermagic) and depmod knows it" \
		module_ok "$root" "$abi" "$mod"
	expect "install-$name: /etc/modprobe.d/taxcut.conf is installed" test -s "$root/etc/modprobe.d/taxcut.conf"

	start=$SECONDS
	if dpkg_in "$root" --purge taxcut-dkms >>"$log" 2>&1; then
		ok "install-$name: dpkg --purge taxcut-dkms ($((SECONDS - start)) s)"
	else
		not_ok "install-$name: dpkg --purge taxcut-dkms"
		show "$log"
		return
	fi
	left=$(cd "$root/" && ls -d usr/src/taxcut-* var/lib/dkms/taxcut etc/modprobe.d/taxcut.conf \
		lib/modules/*/updates/dkms/taxcut.ko* 2>/dev/null | paste -sd ' ')
	grep -qs 'taxcut\.ko' "$root/lib/modules/$abi/modules.dep" && left+="${left:+ }(modules.dep)"
	st=$(in_root "$root" dkms status -m taxcut 2>&1)
	expect "install-$name: purged, nothing is left${left:+ (left: $left)}${st:+ (dkms status: $st)}" \
		test -z "$left$st"
	[ -z "$root" ] || rm -f "$root$deb"
}

# taxcut-agent on this machine: the units are installed, neither enabled
# nor started (they need the site's configuration: docs/packaging.md);
# purged, nothing is left
agent_cycle() {
	local log=$out/install-agent.log left
	purge_agent >"$log" 2>&1
	if ! dpkg_in "" -i "$(deb_of taxcut-agent)" >>"$log" 2>&1; then
		not_ok "agent-install: dpkg -i taxcut-agent"
		show "$log"
		purge_agent >>"$log" 2>&1
		return
	fi
	ok "agent-install: dpkg -i taxcut-agent"
	expect "agent-install: the units are installed, not enabled$(
		[ -d /run/systemd/system ] && echo ", not started")" agent_idle
	if dpkg_in "" --purge taxcut-agent >>"$log" 2>&1; then
		left=$(ls -d /usr/sbin/taxcut-agent /usr/sbin/taxcut-qmp /lib/systemd/system/taxcut-agent*.service \
			/etc/systemd/system/*/taxcut-agent* 2>/dev/null | paste -sd ' ')
		expect "agent-install: purged, nothing is left${left:+ (left: $left)}" test -z "$left"
	else
		not_ok "agent-install: dpkg --purge taxcut-agent"
		show "$log"
	fi
}
agent_idle() {
	[ -f /lib/systemd/system/taxcut-agent.service ] &&
		[ -f /lib/systemd/system/taxcut-agent@.service ] &&
		! ls /etc/systemd/system/*.wants/taxcut-agent* >/dev/null 2>&1 || return 1
	[ ! -d /run/systemd/system ] || ! systemctl --quiet is-active taxcut-agent.service
}
purge_agent() {
	in_root "" dpkg-query -W taxcut-agent >/dev/null 2>&1 || return 0
	dpkg_in "" --purge taxcut-agent
}

if [ -n "$(deb_of taxcut-agent)" ]; then
	agent_cycle
else
	not_ok "agent-install: taxcut-agent was built"
fi
if [ -d "$(trixie_kdir)" ]; then
	install_cycle debian-13 "$troot" "$(trixie_abi)"
else
	not_ok "install-debian-13: the trixie build environment is there (run make deps)"
fi
install_cycle debian-12 "" "$(debian_abi)"
