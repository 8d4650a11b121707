# SPDX-License-Identifier: GPL-2.0
# What every benchmark sets up: the emulated host, our 6.12 release kernel
# and the stock Debian 6.1 one, and an initramfs for each with taxcut and
# the test modules. Sourced after tools/build/common.sh.
#
#   bench_prepare OUT [initramfs.sh options]   sets $qemu, $ours, $debian, $debian13
#   bench_image ours|debian|debian13           the kernel image to boot
# (debian13, stock Debian 13, where make deps built its trixie environment)

bench_prepare() {
	local out=$1 k kdir ko tko
	shift
	qemu=$("$TAXCUT_TOP/tools/build/qemu.sh")
	ours=$("$TAXCUT_TOP/tools/build/kernel.sh" release)
	debian=$(debian_kdir)
	debian13=$(trixie_kdir)
	rm -rf "$out"
	mkdir -p "$out"
	for k in ours debian debian13; do
		[ -d "${!k}" ] || continue
		kdir=${!k}
		ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir")
		tko=$("$TAXCUT_TOP/tools/build/module.sh" --tests "$kdir")
		# BENCH_NOTRACE=1: also taxcut.ko with its trace events compiled
		# out (NOTRACE), as /lib/taxcut/taxcut-notrace.ko in the guest: what
		# a disabled event costs, measured side by side
		if [ "${BENCH_NOTRACE:-0}" = 1 ]; then
			mkdir -p "$out/notrace-$k"
			cp "$(TAXCUT_BUILD=$out/notrace-$k/build "$TAXCUT_TOP/tools/build/module.sh" \
				"$kdir" KCFLAGS=-DNOTRACE)" "$out/notrace-$k/taxcut-notrace.ko"
			tko+=" $out/notrace-$k/taxcut-notrace.ko"
		fi
		# shellcheck disable=SC2086 # one path per test module
		"$TAXCUT_TOP/selftests/lib/initramfs.sh" "$@" "$out/$k.cpio.gz" "$ko" $tko
	done
}

bench_image() {
	case "$1" in
	ours) echo "$ours/arch/x86/boot/bzImage" ;;
	debian) debian_vmlinuz ;;
	debian13) trixie_vmlinuz ;;
	esac
}

# Dedicated CPUs: every benchmark pins each vCPU thread to a host CPU of
# its own (the kvm-emu object's pin-vcpus; vCPU i on host CPU i mod N when
# there are more vCPUs than host CPUs: the reports then say
# "overcommitted"). --pin off in any benchmark's options turns it off, to
# measure what pinning changes.
bench_pin=on

# bench_emu KNOBS: the --emu value for boot.sh, pinning added
bench_emu() {
	local knobs=$1 pin
	[ "$bench_pin" = on ] || { echo "$knobs"; return; }
	pin="pin-vcpus=0-$(($(nproc) - 1))"
	if [ "$knobs" = on ] || [ -z "$knobs" ]; then
		echo "$pin"
	else
		echo "$knobs,$pin"
	fi
}
