#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Read the emulated KVM host's exit accounting (the JSON its kvm-emu object
writes at exit) and print one number: a counter summed over the vCPUs,
between two marks the guest took (or from boot and to the end).

    exits.py FILE FROM TO KEY...

FROM is a mark label or "boot", TO a mark label or "end". Each KEY is a path
such as exits.hypercall.send_ipi or host.preemptions; several KEYs are
added up. A counter that never occurred counts 0.
"""
import json
import sys


def lookup(snapshot, key):
    node = snapshot
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return 0
        node = node[part]
    if isinstance(node, dict):
        return sum(node.values())
    return node


def snapshot(data, label, default):
    if label == default:
        return data["total"] if default == "end" else {}
    for mark in data["marks"]:
        if str(mark["label"]) == label:
            return mark["total"]
    sys.exit(f"exits.py: no mark {label} in the accounting")


def main():
    if len(sys.argv) < 5:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        data = json.load(f)
    start = snapshot(data, sys.argv[2], "boot")
    end = snapshot(data, sys.argv[3], "end")
    print(sum(lookup(end, k) - lookup(start, k) for k in sys.argv[4:]))


if __name__ == "__main__":
    main()
