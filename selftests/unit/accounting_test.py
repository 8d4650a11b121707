#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The readers of the emulated host's accounting, on a made-up file:
selftests/lib/exits.py (deltas, groups with a total, one vCPU or the mark's
taker, placement) and tools/kvm-stat (perf kvm stat's report). TAP."""
import json
import os
import subprocess
import sys
import tempfile

top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
EXITS = os.path.join(top, "selftests", "lib", "exits.py")
KVM_STAT = os.path.join(top, "tools", "kvm-stat")
sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(top, "selftests", "lib"))
from exits import placement, placement_text  # noqa: E402


def data(hlt, icr, hc, cpuid, io_in, io_out, eoi, vec):
    return {"exits": {"total": hlt + icr + hc + cpuid + io_in + io_out, "hlt": hlt,
                      "timer_expiry": 0, "cpuid": {"0x0": cpuid},
                      "msr_write": {"x2apic_icr": icr},
                      "io_in": {"0x70": io_in}, "io_out": {"0x80": io_out},
                      "hypercall": {"send_ipi": hc}},
            "virtualized": {"total": eoi, "msr_write": {"x2apic_eoi": eoi}},
            "ipis": {"send_ipi_targets": 3 * hc, "icr": {"physical": icr},
                     "icr_vector": {"0xfc": vec}, "send_ipi_vector": {"0xfc": hc}},
            "host": {"halt_wakeups": hlt}}


def snap(per_vcpu):
    total = {}

    def add(into, node):
        for k, v in node.items():
            if isinstance(v, dict):
                add(into.setdefault(k, {}), v)
            else:
                into[k] = into.get(k, 0) + v
    for d in per_vcpu:
        add(total, d)
    return {"vcpus": [{"cpu": i, "data": d} for i, d in enumerate(per_vcpu)],
            "total": total}


before = snap([data(1, 0, 0, 0, 0, 0, 0, 0), data(2, 1, 0, 0, 0, 0, 5, 1)])
after = snap([data(3, 0, 0, 1, 0, 0, 0, 0), data(4, 8, 10, 0, 2, 3, 9, 8)])
doc = dict(after)
doc.update({"version": 1, "host_cpus": 2, "pinned": True,
            "marks": [dict(before, label=100, taken_by=1),
                      dict(after, label=101, taken_by=1)]})

results = []


def ok(cond, what):
    results.append((bool(cond), what))


with tempfile.TemporaryDirectory() as tmp:
    path = os.path.join(tmp, "exits.json")
    with open(path, "w") as f:
        json.dump(doc, f)

    def ex(*args):
        r = subprocess.run([sys.executable, EXITS, path] + list(args),
                           capture_output=True, text=True)
        return r.stdout.strip() if r.returncode == 0 else "error: " + r.stderr.strip()

    ok(ex("100", "101", "exits.hlt") == "4", "exits.py: a counter's delta summed over the vCPUs")
    ok(ex("100", "101", "exits") == str((3 + 4 + 8 + 10 + 1 + 2 + 3) - (1 + 2 + 1)),
       "exits.py: a group with a total counts its total, not its members twice")
    ok(ex("100", "101", "ipis.icr_vector.0xfc", "--vcpu", "taker") == "7",
       "exits.py: --vcpu taker reads the vCPU that took the first mark")
    ok(ex("100", "101", "exits.hlt", "--vcpu", "0") == "2", "exits.py: --vcpu N reads that vCPU")
    ok(ex("boot", "end", "exits.hypercall.send_ipi") == "10", "exits.py: boot to end")
    ok(ex("100", "101", "exits.nothing.here") == "0", "exits.py: a counter that never occurred is 0")
    ok(ex("100", "102", "exits.hlt").startswith("error"), "exits.py: a missing mark is an error")
    ok(ex("100", "101", "exits.msr_write.x2apic_icr", "exits.hypercall.send_ipi") == "17",
       "exits.py: several keys are added up")

    p = placement(doc, 0)
    ok(p == {"vcpus": 2, "host_cpus": 2, "pinned": True, "overcommitted": False},
       "placement: 2 vCPUs on 2 host CPUs is not overcommitted")
    ok(placement(doc, 1)["overcommitted"] and "overcommitted" in placement_text(placement(doc, 1)),
       "placement: a busy-polling agent on top makes it overcommitted, and the text says so")

    def stat(*args):
        return subprocess.run([sys.executable, KVM_STAT, path] + list(args),
                              capture_output=True, text=True).stdout

    def rows(text):
        out = {}
        for line in text.splitlines():
            w = line.split()
            if len(w) == 3 and w[2].endswith("%") and w[1].isdigit():
                out[w[0]] = (int(w[1]), float(w[2][:-1]))
        return out

    r = rows(stat("--from", "100", "--to", "101"))
    ok(r.get("IO_INSTRUCTION", (0,))[0] == 5, "kvm-stat: IN and OUT are one reason, IO_INSTRUCTION (5)")
    ok(r.get("VMCALL", (0,))[0] == 10 and r.get("MSR_WRITE", (0,))[0] == 7 and
       r.get("HLT", (0,))[0] == 4 and r.get("CPUID", (0,))[0] == 1,
       "kvm-stat: samples per reason between the marks")
    ok(abs(sum(v[1] for v in r.values()) - 100.0) < 0.1, "kvm-stat: the shares add up to 100%")
    ok("MSR_READ" not in r and "x2apic_eoi" not in stat("--detail"),
       "kvm-stat: what APICv virtualises is not an exit")
    r1 = rows(stat("--vcpu", "1", "--from", "100", "--to", "101"))
    ok(r1.get("HLT", (0,))[0] == 2 and r1.get("VMCALL", (0,))[0] == 10, "kvm-stat: one vCPU")
    ok("Total Samples:27" in stat("--from", "100", "--to", "101"), "kvm-stat: the total line")

print("1..%d" % len(results))
for i, (good, what) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if good else "not ok", i, what))
sys.exit(0 if all(g for g, _ in results) else 1)
