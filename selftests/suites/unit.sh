#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Userspace unit tests of the pure files, under AddressSanitizer and UBSan.
set -uo pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
out=$top/build/unit
mkdir -p "$out"

# run_tap TEST COMMAND...: run a TAP test program, its lines renamed
# unit/TEST, and a failure if it ran fewer tests than it planned or exited
# non-zero without a failing line
run_tap() {
	local test=$1 rc plan ran
	shift
	"$@" >"$out/$test.tap" 2>&1
	rc=$?
	plan=$(sed -n 's/^1\.\.\([0-9]*\)$/\1/p' "$out/$test.tap")
	ran=$(grep -cE '^(ok|not ok) ' "$out/$test.tap")
	sed -E -e 's/^(ok|not ok) [0-9]+ - /\1 - unit\/'"$test"': /' -e '/^1\.\./d' "$out/$test.tap"
	[ "$plan" = "$ran" ] && [ $rc -eq 0 -o "$(grep -c '^not ok' "$out/$test.tap")" -gt 0 ] ||
		echo "not ok - unit/$test: ran $ran of $plan planned tests, exit status $rc"
}

# test -> the pure sources it tests
declare -A sources=(
	[kvm_cpuid_test]="arch/x86/kernel/kvm/kvm_cpuid.c"
	[haltpoll_policy_test]="drivers/cpuidle/haltpoll_policy.c"
	[guest_policy_test]="arch/x86/kernel/kvm/guest_policy.c"
	[ipi_window_test]="arch/x86/kernel/kvm/ipi_window.c"
	[agent_scan_test]="tools/taxcut-agent/scan.c tools/taxcut-agent/budget.c"
	[agent_budget_test]="tools/taxcut-agent/budget.c tools/taxcut-agent/slack.c"
	[agent_config_test]="tools/taxcut-agent/config.c"
	[timer_policy_test]="drivers/clocksource/timer_policy.c"
	[taxcutctl_test]="$(cd "$top" && ls tools/taxcutctl/*.c | grep -v /main.c | paste -sd ' ')"
)

for test in "${!sources[@]}"; do
	src=()
	for s in ${sources[$test]}; do src+=("$top/$s"); done
	if ! gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror \
		-fsanitize=address,undefined -fno-sanitize-recover=all \
		-I"$top/include" -I"$top/arch/x86/kernel/kvm" -I"$top/drivers/cpuidle" -I"$top/tools/taxcut-agent" -I"$top/drivers/clocksource" -I"$top/tools/haltpoll-replay" \
		-I"$top/tools/taxcutctl" -I"$top/selftests/unit" -DTRACES_DIR="\"$top/selftests/unit/traces\"" \
		-o "$out/$test" "$top/selftests/unit/$test.c" "${src[@]}" 2>"$out/$test.err"; then
		echo "not ok - unit/$test builds"
		sed 's/^/#   /' "$out/$test.err"
		continue
	fi
	run_tap "$test" "$out/$test"
done

# the readers of the emulated host's accounting (Python)
run_tap accounting_test python3 "$top/selftests/unit/accounting_test.py"

# the benchmark reports' plots (gnuplot, a build dependency): made-up runs
# through each report, its SVG parsed and its legend checked
run_tap bench_plot_test python3 "$top/selftests/unit/bench_plot_test.py" "$out"

# the haltpoll replay benchmark: deterministic, its cost model where the answer is known
if gcc -std=gnu11 -O1 -g -Wall -Wextra -Werror -fsanitize=address,undefined -fno-sanitize-recover=all \
	-I"$top/include" -I"$top/drivers/cpuidle" -I"$top/tools/haltpoll-replay" \
	-o "$out/haltpoll-replay" "$top/tools/haltpoll-replay/replay.c" \
	"$top/drivers/cpuidle/haltpoll_policy.c" -lm 2>"$out/haltpoll-replay.err"; then
	run_tap haltpoll_replay_test python3 "$top/selftests/unit/haltpoll_replay_test.py" \
		"$out/haltpoll-replay" "$top/selftests/unit/traces" "$out"
else
	echo "not ok - unit/haltpoll-replay builds"
	sed 's/^/#   /' "$out/haltpoll-replay.err"
fi

# taxcutctl as a package build makes it (Debian's hardening flags, -Werror),
# installed and uninstalled under a DESTDIR, its man page without a warning
ctl=$out/taxcutctl
rm -rf "$ctl"
if CFLAGS="-g -O2 -fstack-protector-strong -Wformat -Werror=format-security" \
	CPPFLAGS="-D_FORTIFY_SOURCE=2" LDFLAGS="-Wl,-z,relro -Wl,-z,now" \
	make -s -C "$top/tools/taxcutctl" O="$ctl/build" install DESTDIR="$ctl/root" PREFIX=/usr \
	>"$ctl.log" 2>&1; then
	echo "ok - unit/taxcutctl: builds with hardening flags, installs under DESTDIR"
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$ctl/root/usr/share/man/man8/taxcutctl.8" 2>&1 >/dev/null)
	[ -z "$w" ] && echo "ok - unit/taxcutctl: the man page renders without a warning" ||
		{ echo "not ok - unit/taxcutctl: the man page renders without a warning"; echo "$w" | sed 's/^/#   /'; }
	missing=$("$ctl/root/usr/sbin/taxcutctl" --help | grep -oE -- '--[a-z][a-z-]*|^  [a-z_]+ ' |
		sort -u | while read -r o; do
			grep -q -- "${o//-/\\\\-}" "$ctl/root/usr/share/man/man8/taxcutctl.8" || echo "$o"
		done)
	[ -z "$missing" ] && echo "ok - unit/taxcutctl: every option and tunable of --help is in the man page" ||
		echo "not ok - unit/taxcutctl: every option and tunable of --help is in the man page (missing: $missing)"
	make -s -C "$top/tools/taxcutctl" O="$ctl/build" uninstall DESTDIR="$ctl/root" PREFIX=/usr >>"$ctl.log" 2>&1
	left=$(find "$ctl/root" -type f | sed "s|^$ctl/root||")
	[ -z "$left" ] && echo "ok - unit/taxcutctl: make uninstall removes what install put" ||
		echo "not ok - unit/taxcutctl: make uninstall removes what install put (left: $left)"
else
	echo "not ok - unit/taxcutctl: builds with hardening flags, installs under DESTDIR"
	sed 's/^/#   /' "$ctl.log"
fi
