#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# taxcut's test runner: runs the named suites (default: all) from
# selftests/suites/, numbers their TAP lines, and ends with the one line
# "N passed, N failed[, N skipped]". Exit status 0 only when none failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
. "$here/../tools/build/common.sh"
all_suites=(unit build checkpatch boot kvmhost policy agent timer)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=("${all_suites[@]}")

passed=0 failed=0 skipped=0 n=0

# The two builds the guest suites need (the emulated host's QEMU, our 6.12
# debug kernel) start at once, side by side, when they are not cached: the
# first suites leave about half the machine idle, and each suite that needs
# a build waits on its lock and then finds it done (or builds it again and
# reports the failure itself). Logs: build/check/prebuild-*.log.
case " ${suites[*]} " in
*" boot "* | *" kvmhost "* | *" policy "* | *" timer "*)
	mkdir -p "$TAXCUT_BUILD/check"
	"$TAXCUT_TOP/tools/build/qemu.sh" >"$TAXCUT_BUILD/check/prebuild-qemu.log" 2>&1 &
	"$TAXCUT_TOP/tools/build/kernel.sh" debug >"$TAXCUT_BUILD/check/prebuild-kernel.log" 2>&1 &
	;;
esac
count() {
	local line
	while IFS= read -r line; do
		case "$line" in
		"not ok"*)
			n=$((n + 1)) failed=$((failed + 1))
			echo "not ok $n${line#not ok}" ;;
		ok*"# SKIP"*)
			n=$((n + 1)) skipped=$((skipped + 1))
			echo "ok $n${line#ok}" ;;
		ok*)
			n=$((n + 1)) passed=$((passed + 1))
			echo "ok $n${line#ok}" ;;
		*) echo "$line" ;;
		esac
	done
}

for s in "${suites[@]}"; do
	script="$here/suites/$s.sh"
	echo "# suite $s"
	if [ ! -x "$script" ]; then
		count <<<"not ok - no test suite named $s"
		continue
	fi
	start=$SECONDS
	count < <("$script"; rc=$?; [ $rc -eq 0 ] || echo "not ok - suite $s exited with status $rc")
	echo "# suite $s took $((SECONDS - start)) s"
done

wait	# a build no suite waited for (its suite failed first)
if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
