#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the emulated KVM host's exit accounting (the JSON its kvm-emu object
writes at exit) and print one number: a counter between two marks the guest
took (or from boot and to the end), summed over the vCPUs or of one vCPU.

    exits.py FILE FROM TO KEY... [--vcpu N|taker]

FROM is a mark label or "boot", TO a mark label or "end". Each KEY is a path
such as exits.hypercall.send_ipi, ipis.icr_vector.0xfc or host.preemptions;
several KEYs are added up. A group counts its "total" when it has one
(exits, virtualized), else the sum of its members. A counter that never
occurred counts 0. --vcpu reads one vCPU's counters instead of the sum:
N is a vCPU index, "taker" the vCPU that took the FROM mark (exact: a
workload that takes both marks on one CPU, preemption off, counts there
only what it caused itself and what that CPU's interrupts did).
"""
import json
import sys


def value(node):
    if isinstance(node, dict):
        if "total" in node:
            return node["total"]
        return sum(value(v) for v in node.values())
    return node


def lookup(snapshot, key):
    node = snapshot
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return 0
        node = node[part]
    return value(node)


def of_vcpu(snap, vcpu):
    for one in snap.get("vcpus", []):
        if one["cpu"] == vcpu:
            return one["data"]
    sys.exit(f"exits.py: no vCPU {vcpu} in the accounting")


def snapshot(data, label, default, vcpu):
    if label == default:
        if default == "boot":
            return {}
        return data["total"] if vcpu is None else of_vcpu(data, vcpu)
    for mark in data["marks"]:
        if str(mark["label"]) == label:
            return mark["total"] if vcpu is None else of_vcpu(mark, vcpu)
    sys.exit(f"exits.py: no mark {label} in the accounting")


def taker(data, label):
    for mark in data["marks"]:
        if str(mark["label"]) == label:
            return mark["taken_by"]
    sys.exit(f"exits.py: no mark {label} to take the vCPU from")


def placement(data, busy_agents=0):
    """Where the VM ran: vCPUs, host CPUs, pinned, and overcommitted when
    the vCPU threads (plus busy-polling agents) outnumber the host CPUs."""
    vcpus = len(data.get("vcpus", []))
    host = data.get("host_cpus", 0)
    return {"vcpus": vcpus, "host_cpus": host, "pinned": bool(data.get("pinned")),
            "overcommitted": vcpus + busy_agents > host}


def placement_text(p):
    return "%d vCPUs on %d host CPUs, %s%s" % (
        p["vcpus"], p["host_cpus"], "pinned" if p["pinned"] else "not pinned",
        ", overcommitted" if p["overcommitted"] else "")


def main():
    args = sys.argv[1:]
    vcpu = None
    if "--vcpu" in args:
        at = args.index("--vcpu")
        if at + 1 >= len(args):
            sys.exit(__doc__)
        vcpu = args[at + 1]
        del args[at:at + 2]
    if len(args) < 4:
        sys.exit(__doc__)
    with open(args[0]) as f:
        data = json.load(f)
    if vcpu == "taker":
        vcpu = taker(data, args[1])
    elif vcpu is not None:
        vcpu = int(vcpu)
    start = snapshot(data, args[1], "boot", vcpu)
    end = snapshot(data, args[2], "end", vcpu)
    print(sum(lookup(end, k) - lookup(start, k) for k in args[3:]))


if __name__ == "__main__":
    main()
