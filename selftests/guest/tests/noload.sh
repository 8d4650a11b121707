# SPDX-License-Identifier: GPL-2.0
# Not on KVM (plain TCG): taxcut refuses to load with -ENODEV and says why.

dmesg -c >/dev/null
insmod "$TAXCUT_KO" 2>/tmp/insmod.err
rc=$?
diag "insmod: $(cat /tmp/insmod.err)"
[ $rc -ne 0 ]
ok $? "insmod fails off KVM"
grep -q "No such device" /tmp/insmod.err
ok $? "the error is ENODEV (No such device)"
dmesg | grep -q "taxcut: no KVM hypervisor: "
ok $? "the kernel log says why in one line"
diag "$(dmesg | grep 'taxcut:')"
# busybox insmod retries init_module after finit_module fails, so the
# module may run twice; each attempt must say only that one thing
[ "$(dmesg | grep 'taxcut:' | grep -v 'taint' | sed 's/^\[[^]]*\] //' | sort -u | wc -l)" -eq 1 ]
ok $? "no other taxcut message than that line (taint notices aside)"
! module_loaded taxcut
ok $? "taxcut is not left loaded"
[ ! -e /sys/kernel/taxcut ]
ok $? "no /sys/kernel/taxcut left behind"
