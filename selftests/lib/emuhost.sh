# SPDX-License-Identifier: GPL-2.0
# Helpers of the suites that boot guests on the emulated KVM host (kvmhost,
# policy, timer). Sourced after kernels.sh with $suite set; sets $out (the
# suite's directory under build/check/) and $qemu.
lib=$TAXCUT_TOP/selftests/lib
out=$TAXCUT_BUILD/check/$suite
mkdir -p "$out"

if ! qemu=$("$TAXCUT_TOP/tools/build/qemu.sh" 2>"$out/qemu-build.log"); then
	echo "not ok - $suite: the emulated KVM host (tools/qemu) builds"
	tail -n 20 "$out/qemu-build.log" | sed 's/^/#   /'
	return 1
fi

# expect NAME CONDITION...: a TAP line for a shell test
expect() {
	local name=$1
	shift
	if "$@"; then echo "ok - $name"; else echo "not ok - $name"; fi
}

# delta BOOT FROM TO KEY...: exit-count delta from the boot's accounting
delta() {
	local dir=$1
	shift
	"$lib/exits.py" "$dir/exits.json" "$@" 2>/dev/null || echo -1
}

# between VALUE LOW HIGH: LOW <= VALUE <= HIGH
between() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

# in_log BOOT REGEX: the guest's kernel log has a line matching REGEX
in_log() {
	grep -qE "$2" "$1/console.log"
}

# prepare KERNEL: taxcut, the test modules and an initramfs for KERNEL
prepare() {
	local k=$1 kdir ko tko
	if ! kdir=$(kernel_kdir "$k" 2>"$out/$k-build.log") ||
		! ko=$("$TAXCUT_TOP/tools/build/module.sh" "$kdir" 2>>"$out/$k-build.log") ||
		! tko=$("$TAXCUT_TOP/tools/build/module.sh" --tests "$kdir" 2>>"$out/$k-build.log"); then
		echo "not ok - $suite/$k: modules build"
		tail -n 20 "$out/$k-build.log" | sed 's/^/#   /'
		return 1
	fi
	# the kernel's own test modules, where it built them (locktorture)
	tko+=" $(find "$kdir/kernel" -name torture.ko -o -name locktorture.ko 2>/dev/null | sort | paste -sd ' ')"
	# shellcheck disable=SC2086 # one path per test module
	"$lib/initramfs.sh" "$out/$k.cpio.gz" "$ko" $tko && prepared+=" $k "
	# with perf: built when a test asks for it (perf_initrd)
	modules[$k]="$ko $tko"
}
declare -A modules

# perf_initrd KERNEL: the prepared kernel's initramfs with perf added,
# made now from this run's modules and tests; prints its path
perf_initrd() {
	# shellcheck disable=SC2086 # one path per module
	"$lib/initramfs.sh" --perf "$out/$1-perf.cpio.gz" ${modules[$1]} >&2 &&
		echo "$out/$1-perf.cpio.gz"
}
prepared=""

# ready KERNEL: prepared in this run, or prepare it now
ready() {
	case "$prepared" in
	*" $1 "*) return 0 ;;
	esac
	prepare "$1"
}

# boot NAME CPU TESTS [boot.sh options]: one guest of kernel $k (4 vCPUs
# unless --smp says otherwise), then its own TAP lines
boot() {
	local name=$1 cpu=$2 tests=$3
	shift 3
	"$lib/boot.sh" --out "$out/$name" --qemu "$qemu" --kernel "$(kernel_image $k)" \
		--initrd "$out/$k.cpio.gz" --cpu "$cpu" --smp 4 --timeout 300 \
		--tests "$tests" --append "ignore_loglevel" --emu on "$@"
	"$lib/check-boot.sh" "$out/$name" "$suite/$name"
}

