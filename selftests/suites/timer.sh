#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The exitless timer end to end as far as it is built: taxcut-agent serving
# an ivshmem-doorbell device of the emulated KVM host, the stock Debian 6.1
# guest with taxcut.ko finding the region and the agent's heartbeat; and a
# foreign ivshmem device (ivshmem-plain over other memory) left alone.
set -uo pipefail

. "$(dirname "$0")/../lib/kernels.sh"
suite=timer
. "$(dirname "$0")/../lib/emuhost.sh" || exit 0

if ! make -s -C "$TAXCUT_TOP/tools/taxcut-agent" O="$TAXCUT_BUILD/agent" >"$out/agent-build.log" 2>&1; then
	echo "not ok - timer: taxcut-agent builds"
	sed 's/^/#   /' "$out/agent-build.log"
	exit 0
fi
agent=$TAXCUT_BUILD/agent/taxcut-agent

k=debian-6.1
prepare $k || exit 0
m=max,kvm=on,monitor=off

sock=$out/vm.sock
"$agent" --vm guest="$sock":4 --stats 2>"$out/agent.log" &
pid=$!
for _ in $(seq 50); do [ -S "$sock" ] && break; sleep 0.1; done
boot region $m timer_region --append "ignore_loglevel TIMER_EXPECT=region" \
	--qemu-args "-chardev socket,path=$sock,id=tcet -device ivshmem-doorbell,chardev=tcet,vectors=4"
kill -TERM $pid
wait $pid
rc=$?
sed 's/^/# /' "$out/agent.log" | grep -v ' slot '
expect "$suite/region: the agent served one guest and stopped cleanly ($rc)" \
	eval "[ $rc -eq 0 ] && grep -q 'guest: guest 1 connected: 4 vCPUs' '$out/agent.log'"

head -c 1048576 /dev/urandom >"$out/foreign.mem"
boot foreign $m timer_region --append "ignore_loglevel TIMER_EXPECT=foreign" \
	--qemu-args "-object memory-backend-file,id=fm,mem-path=$out/foreign.mem,size=1M,share=on -device ivshmem-plain,memdev=fm"
