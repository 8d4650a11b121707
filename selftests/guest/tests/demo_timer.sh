# SPDX-License-Identifier: GPL-2.0
# make demo's exitless timer part: the same 3 s of 1-10 ms sleeps on every
# CPU with the LAPIC timer (marks 900-901) and with taxcut's exitless timer
# (marks 902-903); the host prints the LAPIC timer writes of each.
R=/sys/kernel/taxcut
n=$(nproc)
check "taxcut loads with exitless_timer=0" insmod "$TAXCUT_KO" exitless_timer=0 || return 0
diag "tick devices: $(cat /sys/devices/system/clockevents/clockevent*/current_device | sort | uniq -c | awk '{ print $1, $2 }' | paste -sd ' ')"
mark 900
timer_accuracy "$n" 3 1000 10000 | sed 's/^/LAPIC timer: /' | while read -r l; do diag "$l"; done
mark 901
echo 1 >/sys/module/taxcut/parameters/exitless_timer
ok $? "exitless_timer=1 written at runtime"
grep '^exitless_timer:' $R/policy | while read -r l; do diag "$l"; done
diag "tick devices: $(cat /sys/devices/system/clockevents/clockevent*/current_device | sort | uniq -c | awk '{ print $1, $2 }' | paste -sd ' ')"
mark 902
timer_accuracy "$n" 3 1000 10000 | sed 's/^/exitless timer: /' | while read -r l; do diag "$l"; done
mark 903
grep '^exitless_timer total' $R/policy | while read -r l; do diag "$l"; done
diag "broadcast device: $(cat /sys/devices/system/clockevents/broadcast/current_device)"
