# SPDX-License-Identifier: GPL-2.0
# The devices of taxcut's emulated KVM host (tools/build/qemu.sh builds
# QEMU with --without-default-devices and this list): what the tests, the
# demo and the benchmarks put in a guest, and what those pull in through
# Kconfig. A guest that needs another device adds it here.
#
# the machine (with its ISA serial ports, fw_cfg, ACPI and the HPET)
CONFIG_Q35=y
CONFIG_HPET=y
# cluster-mode x2APIC needs interrupt remapping: -device intel-iommu
CONFIG_VTD=y
# the exitless timer's region: ivshmem-doorbell, ivshmem-plain
CONFIG_IVSHMEM_DEVICE=y
# the device re-plug tests hot-plug ivshmem under a pcie-root-port
CONFIG_PCIE_PORT=y
