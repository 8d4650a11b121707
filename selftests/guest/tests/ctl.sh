# SPDX-License-Identifier: GPL-2.0
# taxcutctl (tools/taxcutctl) in a guest with taxcut loaded: every line of
# `taxcutctl status` agrees with taxcut's report (the lines the report
# has as they are, the governor and the tick devices it cannot see as
# cpuidle and clockevents sysfs say, counters compared as words since they
# move between two reads), --json is one well-formed object, `idle` prints
# deltas while a ping-pong runs, `set` writes a good value and refuses bad
# ones, and with debugfs or taxcut gone status says so. Loads taxcut if an
# earlier test left it unloaded, and unloads it again.
R=/sys/kernel/taxcut
P=/sys/module/taxcut/parameters
D=/sys/devices/system/cpu/cpuidle
ncpu=$(nproc)

loaded_here=0
if ! module_loaded taxcut; then
	check "taxcut loads" insmod "$TAXCUT_KO" || return 0
	loaded_here=1
fi

# --- status against the report ------------------------------------------------
taxcutctl status >/tmp/ctl.out 2>/tmp/ctl.err
ok $? "taxcutctl status: exit 0"
sed 's/^/#   /' /tmp/ctl.out
err=$(head -c 200 /tmp/ctl.err | tr '\n' ' ')
[ -z "$err" ]
ok $? "taxcutctl status: nothing on stderr${err:+ ($err)}"

# What the status must say, made from the report here: its lines, the
# governor and the tick devices of the CPUs it cannot see from sysfs,
# regrouped into runs as the report groups them.
cp $R/policy /tmp/ctl.report
for f in /sys/devices/system/clockevents/clockevent[0-9]*; do
	echo "${f##*clockevent} $(cat "$f/current_device")"
done >/tmp/ctl.ce
gov=$(cat $D/current_governor 2>/dev/null || cat $D/current_governor_ro)
{
	echo "cpuid_base: $(cat $R/cpuid_base)"
	f=$(cat $R/features)
	echo "features: ${f:-none}"
	h=$(cat $R/hints)
	echo "hints: ${h:-none}"
	awk -v gov="$gov" '
		BEGIN { n = 0 }
		FILENAME == "/tmp/ctl.ce" { ce[$1] = substr($0, length($1) + 2); next }
		/^tick_device: cpus [0-9]+-[0-9]+ / {
			split($3, r, "-")
			name = $0
			sub(/^tick_device: cpus [0-9]+-[0-9]+ /, "", name)
			for (c = r[1] + 0; c <= r[2] + 0; c++) {
				cpu[n] = c
				dev[n++] = (name ~ /not exported to modules/) ? ce[c] : name
			}
			if (!tpos)
				tpos = ++m
			next
		}
		/^cpuidle_governor: .*not exported to modules/ { line[++m] = "cpuidle_governor: " gov; next }
		{ line[++m] = $0 }
		END {
			for (i = 1; i <= m; i++) {
				if (i != tpos) { print line[i]; continue }
				first = 0
				for (j = 1; j <= n; j++) {
					if (j < n && cpu[j] == cpu[j - 1] + 1 && dev[j] == dev[first])
						continue
					print "tick_device: cpus " cpu[first] "-" cpu[j - 1] " " dev[first]
					first = j
				}
			}
		}' /tmp/ctl.ce /tmp/ctl.report
} >/tmp/ctl.want
# counters move between two reads: in those lines numbers are compared as N
mask() {
	sed -E '/^(idle_poll|halt_cost|exitless_timer|exitless_timer total|pv_ipi_sender): /s/[0-9]+/N/g' "$1"
}
grep -vE '^(idle_window|exitless_timer_fired): ' /tmp/ctl.out >/tmp/ctl.got
mask /tmp/ctl.want >/tmp/ctl.want.m
mask /tmp/ctl.got >/tmp/ctl.got.m
diff /tmp/ctl.want.m /tmp/ctl.got.m >/tmp/ctl.diff
ok $? "taxcutctl status: its $(wc -l </tmp/ctl.got) lines agree with the report's $(wc -l </tmp/ctl.report) (and its cpuid_base, features, hints; governor and tick devices from sysfs)"
sed 's/^/#   /' /tmp/ctl.diff | head -n 20
# the decisions word for word, whatever the counters do
grep '^decision ' /tmp/ctl.report >/tmp/ctl.dr
grep '^decision ' /tmp/ctl.out >/tmp/ctl.ds
cmp -s /tmp/ctl.ds /tmp/ctl.dr && [ "$(wc -l </tmp/ctl.dr)" -ge 6 ]
ok $? "taxcutctl status: the $(wc -l </tmp/ctl.dr) decision lines with their reasons, as the report has them"
grep -q "^cpuidle_driver: $(cat $D/current_driver)\$" /tmp/ctl.out &&
	grep -q "^cpuidle_governor: $gov\$" /tmp/ctl.out
ok $? "taxcutctl status: cpuidle driver $(cat $D/current_driver) and governor $gov"
runs=$(awk '/^tick_device: cpus / { split($3, r, "-"); n += r[2] - r[1] + 1 } END { print n + 0 }' /tmp/ctl.out)
[ "$runs" -eq "$ncpu" ]
ok $? "taxcutctl status: the tick_device runs cover the $ncpu CPUs ($runs)"
if [ "$(cat $D/current_driver)" = taxcut_idle ]; then
	grep -qE "^idle_window: (cpu[0-9]+ [0-9]+ us, ){$((ncpu - 1))}cpu[0-9]+ [0-9]+ us \(debugfs taxcut/idle\)$" /tmp/ctl.out
	ok $? "taxcutctl status: each CPU's poll window from debugfs"
fi

# --- status --json -----------------------------------------------------------------
taxcutctl status --json >/tmp/ctl.json
ok $? "taxcutctl status --json: exit 0"
# well-formed: one line, brackets balanced outside strings, never below zero
awk '{
	for (i = 1; i <= length($0); i++) {
		c = substr($0, i, 1)
		if (esc) { esc = 0; continue }
		if (str) { if (c == "\\") esc = 1; else if (c == "\"") str = 0; continue }
		if (c == "\"") str = 1
		else if (c == "{" || c == "[") d++
		else if (c == "}" || c == "]") { if (--d < 0) bad = 1 }
	}
} END { exit !(NR == 1 && !bad && !str && d == 0) }' /tmp/ctl.json
ok $? "taxcutctl status --json: one line, balanced, strings closed"
keys=$(grep -o '{"key":' /tmp/ctl.json | wc -l)
grep -q '^{"loaded":true,"lines":\[' /tmp/ctl.json &&
	grep -q '"decisions":{"dedicated":{"value":"' /tmp/ctl.json &&
	grep -q "\"cpuidle\":{\"driver\":\"$(cat $D/current_driver)\",\"governor\":\"$gov\"}" /tmp/ctl.json &&
	grep -q '"tick_devices":\[{"first":0,' /tmp/ctl.json &&
	grep -q "\"cpuid_base\":\"$(cat $R/cpuid_base)\"" /tmp/ctl.json &&
	[ "$keys" -eq "$(wc -l </tmp/ctl.out)" ]
ok $? "taxcutctl status --json: loaded, a key and value for each of the $keys lines, decisions, cpuidle, tick devices"

# --- idle --------------------------------------------------------------------------
pingpong -n 20000 -t 30 >/dev/null 2>&1 &
pp=$!
taxcutctl idle 1 2 >/tmp/ctl.idle 2>&1
ok $? "taxcutctl idle 1 2: exit 0"
kill $pp 2>/dev/null
wait $pp 2>/dev/null
sed 's/^/#   /' /tmp/ctl.idle
heads=$(grep -c '^CPU ' /tmp/ctl.idle)
rows=$(grep -cE '^ *[0-9]+ ' /tmp/ctl.idle)
[ "$heads" -eq 2 ] && [ "$rows" -eq $((2 * ncpu)) ]
ok $? "taxcutctl idle: two tables of $ncpu CPUs ($heads, $rows rows)"
if [ "$(cat $D/current_driver)" = taxcut_idle ]; then
	grep -q "^1\.[0-9][0-9] s; taxcut's counters from debugfs taxcut/idle, residency (%) from cpuidle sysfs$" /tmp/ctl.idle &&
		grep -q '^CPU WINDOW_US TARGET_US POLLS CAUGHT TIMEDOUT HALTS POLLED_US WASTED_US CAPPED  POLL-HALT    HALT$' /tmp/ctl.idle
	ok $? "taxcutctl idle: taxcut's counters and the driver's two states"
	polls=$(awk '$1 == "all" { n += $4 } END { print n + 0 }' /tmp/ctl.idle)
	[ "$polls" -gt 0 ]
	ok $? "taxcutctl idle: the ping-pong's polls counted ($polls)"
fi
taxcutctl --json idle 0.5 -n 2 >/tmp/ctl.idle.json
ok $? "taxcutctl idle --json: exit 0"
[ "$(wc -l </tmp/ctl.idle.json)" -eq 2 ] &&
	[ "$(grep -c '^{"interval_s":0\.[0-9]*,"source":' /tmp/ctl.idle.json)" -eq 2 ] &&
	[ "$(grep -o '{"cpu":' /tmp/ctl.idle.json | wc -l)" -eq $((2 * ncpu)) ]
ok $? "taxcutctl idle --json: one object per interval, each CPU in each"

# --- set ---------------------------------------------------------------------------
if [ -e $P/guest_halt_poll_ns ]; then
	before=$(cat $P/guest_halt_poll_ns)
	taxcutctl set guest_halt_poll_ns=20000 >/tmp/ctl.set 2>&1 &&
		[ "$(cat $P/guest_halt_poll_ns)" = 20000 ] &&
		grep -q "^guest_halt_poll_ns: $before -> 20000 ($P/guest_halt_poll_ns)\$" /tmp/ctl.set
	ok $? "taxcutctl set guest_halt_poll_ns=20000: written, the change shown"
	for bad in guest_halt_poll_ns=8000001 guest_halt_poll_ns=-5 guest_halt_poll_grow=abc \
		guest_halt_poll_allow_shrink=maybe no_such_tunable=1 force=1; do
		taxcutctl set $bad >/tmp/ctl.set 2>&1
		rc=$?
		[ $rc -eq 1 ] && [ "$(cat $P/guest_halt_poll_ns)" = 20000 ] && grep -q '^taxcutctl: set: ' /tmp/ctl.set
		ok $? "taxcutctl set $bad: refused (exit $rc: $(head -n 1 /tmp/ctl.set))"
	done
	out=$(taxcutctl set --persist hit_worth_ns=30000 guest_halt_poll_allow_shrink=off 2>/dev/null)
	[ "$out" = "options taxcut hit_worth_ns=30000 guest_halt_poll_allow_shrink=N" ] &&
		[ "$(cat $P/hit_worth_ns)" = 30000 ] && [ "$(cat $P/guest_halt_poll_allow_shrink)" = N ]
	ok $? "taxcutctl set --persist: written, and the modprobe.d line ($out)"
	taxcutctl set guest_halt_poll_ns=200000 hit_worth_ns=0 guest_halt_poll_allow_shrink=Y >/dev/null
	ok $? "taxcutctl set: the defaults back"
fi
taxcutctl set governor=nosuchgov >/tmp/ctl.set 2>&1
[ $? -eq 1 ] && grep -q "is not one of this kernel's" /tmp/ctl.set
ok $? "taxcutctl set governor=nosuchgov: refused with the kernel's list"
taxcutctl set "governor=$gov" >/dev/null 2>&1 && [ "$(cat $D/current_governor)" = "$gov" ]
ok $? "taxcutctl set governor=$gov: taken"

# --- without debugfs, without taxcut ------------------------------------------------
# (lazily if perf left tracefs mounted inside it; mounted again after)
if [ "$(cat $D/current_driver)" = taxcut_idle ] &&
	{ umount /sys/kernel/debug 2>/dev/null || umount -l /sys/kernel/debug; }; then
	taxcutctl status >/tmp/ctl.out
	rc=$?
	mount -t debugfs debugfs /sys/kernel/debug
	[ $rc -eq 0 ] &&
		grep -q '^idle_window: unknown: debugfs is not mounted (mount -t debugfs none /sys/kernel/debug)$' /tmp/ctl.out
	ok $? "taxcutctl status without debugfs: says so, exit $rc"
fi
if [ $loaded_here -eq 1 ]; then
	check "taxcut unloads" rmmod taxcut
	taxcutctl status >/tmp/ctl.out
	rc=$?
	[ $rc -eq 3 ] && head -n 1 /tmp/ctl.out | grep -q '^taxcut: not loaded' &&
		grep -q "^cpuidle_driver: $(cat $D/current_driver)\$" /tmp/ctl.out
	ok $? "taxcutctl status without taxcut: exit 3 ($rc), says so, cpuidle from sysfs"
fi
