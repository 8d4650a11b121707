# SPDX-License-Identifier: GPL-2.0
# Load taxcut and print its report (the demo guest).

if insmod "$TAXCUT_KO"; then
	for f in cpuid_base features hints policy; do
		echo "# /sys/kernel/taxcut/$f:"
		sed 's/^/#   /' "/sys/kernel/taxcut/$f"
	done
	check "taxcut unloads" rmmod taxcut
else
	diag "$(dmesg | grep 'taxcut:')"
	ok 1 "taxcut loads"
fi
