# SPDX-License-Identifier: GPL-2.0
# Load taxcut and print its report (the demo guest).

if insmod "$TAXCUT_KO" 2>/tmp/insmod.err; then
	for f in cpuid_base features hints policy; do
		echo "# /sys/kernel/taxcut/$f:"
		sed 's/^/#   /' "/sys/kernel/taxcut/$f"
	done
	check "taxcut unloads" rmmod taxcut
else
	diag "insmod: $(cat /tmp/insmod.err)"
	diag "$(dmesg | grep 'taxcut:' | grep -v taint | tail -n 1)"
fi
