#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# taxcut's test runner: runs the named suites (default: all) from
# selftests/suites/, numbers their TAP lines, and ends with the one line
# "N passed, N failed[, N skipped]". Exit status 0 only when none failed.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
all_suites=(unit build package checkpatch boot kvmhost policy agent timer)
suites=("$@")
[ ${#suites[@]} -gt 0 ] || suites=("${all_suites[@]}")

passed=0 failed=0 skipped=0 n=0
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

if [ $skipped -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ $failed -eq 0 ]
