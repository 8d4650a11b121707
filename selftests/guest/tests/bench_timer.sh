# SPDX-License-Identifier: GPL-2.0
# The exitless timer benchmark's guest side (tools/bench/timer.sh boots it):
# taxcut loaded with TIMER_MODULE_ARGS, then timer_accuracy on every CPU
# between marks 800 and 801. Its result, the elapsed time and taxcut's
# counters go out as TAP comments; the host reads the exits from the marks.
R=/sys/kernel/taxcut
# shellcheck disable=SC2086 # module parameters, word by word
check "taxcut loads (${TIMER_MODULE_ARGS:-defaults})" insmod "$TAXCUT_KO" ${TIMER_MODULE_ARGS:-} || return 0
grep '^exitless_timer:' $R/policy | while read -r l; do diag "$l"; done
mark 800
t0=$(cut -d' ' -f1 /proc/uptime)
timer_accuracy "$(nproc)" "${TIMER_SECONDS:-5}" "${TIMER_MIN_US:-100}" "${TIMER_MAX_US:-10000}" >/tmp/accuracy.out 2>&1
rc=$?
t1=$(cut -d' ' -f1 /proc/uptime)
mark 801
diag "$(grep '^timer_accuracy:' /tmp/accuracy.out)"
grep '^timer_accuracy_quantiles:' /tmp/accuracy.out | while read -r l; do diag "$l"; done
diag "elapsed $t0 $t1"
grep '^exitless_timer total' $R/policy | while read -r l; do diag "$l"; done
ok $rc "timer_accuracy: none early, none lost"
# once the exitless timer ran, taxcut-bc holds the module (docs/exitless-timer.md)
rmmod taxcut 2>/dev/null ||
	diag "taxcut stays loaded: $(cat /sys/devices/system/clockevents/broadcast/current_device) holds the broadcast slot"
