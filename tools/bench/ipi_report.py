#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the IPI benchmark's runs (tools/bench/ipi.sh).

    ipi_report.py RUNS_DIR OUT_DIR

Reads RUNS_DIR/runs/CONFIG.MODE.ROUND/{tap.log,exits.json}: tc_ipibench's
"# ipibench: CASE ops N ns_per_op X mark L callbacks A/B" lines and the
emulated host's MARK snapshots L and L+1 around each case. Writes
OUT_DIR/ipi.json (one record per configuration, destination mode and case:
medians over the rounds, and the samples) and OUT_DIR/ipi.md, and prints
the table. Plot (gnuplot, tools/bench/plot.py): OUT_DIR/ipi.svg, exits per
operation and IPI exits per operation, a bar per configuration, a panel per
destination mode.

Exits per operation: the host's would-be exits on KVM with APICv between the
marks on all vCPUs ("exits.total", each event once: docs/emulated-host.md);
IPI exits: the ICR writes (x2APIC MSR or xAPIC MMIO, one exit each) plus
SEND_IPI hypercalls. HLT exits of the targets going back to sleep are in
the total.
"""
import json
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # nothing written beside the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "selftests", "lib"))
from exits import lookup, placement, placement_text  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

CONFIGS = {
    "native": "our 6.12 kernel, no PV IPI (ICR writes)",
    "upstream": "stock Debian 6.1, upstream's PV IPI",
    "taxcut": "our 6.12 kernel, taxcut's PV IPI sender",
}
MODES = ["physical", "cluster"]
CASES = ["single", "half", "all", "raw-icr", "raw-hc"]


def one_run(run_dir):
    try:
        with open(os.path.join(run_dir, "exits.json")) as f:
            exits = json.load(f)
        with open(os.path.join(run_dir, "tap.log"), errors="replace") as f:
            lines = [l.split()[2:] for l in f if l.startswith("# ipibench: ")]
    except (OSError, ValueError):
        return {}
    marks = {m["label"]: m["total"] for m in exits.get("marks", [])}
    where = placement_text(placement(exits))
    result = {}
    for words in lines:
        if len(words) < 9 or words[1] != "ops":
            continue
        case, ops, ns, label = words[0], int(words[2]), int(words[4]), int(words[6])
        got, want = (int(x) for x in words[8].split("/"))
        a, b = marks.get(label), marks.get(label + 1)
        if a is None or b is None or ops <= 0:
            continue
        ca, cb = a.get("exits", {}), b.get("exits", {})
        icr = sum(lookup(cb, k) - lookup(ca, k)
                  for k in ("msr_write.x2apic_icr", "apic_mmio_write.icr_low"))
        hc = lookup(cb, "hypercall.send_ipi") - lookup(ca, "hypercall.send_ipi")
        result[case] = {
            "ns_per_op": ns,
            "exits_per_op": (cb.get("total", 0) - ca.get("total", 0)) / ops,
            "ipi_exits_per_op": (icr + hc) / ops,
            "icr_per_op": icr / ops,
            "send_ipi_per_op": hc / ops,
            "callbacks_ok": got == want,
            "placement": where,
        }
    return result


def plot_figures(doc, out_dir):
    """Exits per operation by case, a bar per configuration: all exits on
    the first row, IPI exits on the second, a column per destination mode.
    [(svg, message, caption)]"""
    by = {(r["config"], r["mode"], r["case"]): r for r in doc["records"]}
    configs = list(CONFIGS) + sorted({r["config"] for r in doc["records"]} - set(CONFIGS))
    modes = [m for m in MODES if any(r["mode"] == m for r in doc["records"])]
    panels = []
    for field, what in (("exits_per_op", "all exits"), ("ipi_exits_per_op", "IPI exits")):
        for mode in modes:
            cases = [c for c in CASES if any((k, mode, c) in by for k in configs)]
            series = [plot.Series(k, [(i, by[(k, mode, c)]["median"][field])
                                      for i, c in enumerate(cases) if (k, mode, c) in by], "bars")
                      for k in configs]
            panels.append(plot.Panel("%s per operation, x2APIC %s mode" % (what, mode), "case",
                                     "%s per operation" % what, series, categories=cases,
                                     key="top center horizontal" if not panels else None))
    svg, message = plot.render(
        out_dir, "ipi", "IPI benchmark: exits per operation by mode, %d vCPUs (medians)"
        % doc.get("vcpus", 8), panels, cols=max(1, len(modes)), panel_size=(620, 400))
    return [(svg, message, "exits and IPI exits per operation, by case, configuration "
             "and destination mode")]


def main():
    runs_dir, out_dir = sys.argv[1], sys.argv[2]
    samples = {}
    for name in sorted(os.listdir(os.path.join(runs_dir, "runs"))):
        config, mode, _ = name.split(".")
        for case, rec in one_run(os.path.join(runs_dir, "runs", name)).items():
            samples.setdefault((config, mode, case), []).append(rec)
    records = []
    for (config, mode, case), recs in sorted(samples.items()):
        med = {k: statistics.median(r[k] for r in recs)
               for k in ("ns_per_op", "exits_per_op", "ipi_exits_per_op",
                         "icr_per_op", "send_ipi_per_op")}
        records.append({"config": config, "mode": mode, "case": case,
                        "description": CONFIGS.get(config, config),
                        "rounds": len(recs),
                        "all_callbacks_ran": all(r["callbacks_ok"] for r in recs),
                        "placement": "; ".join(sorted({r["placement"] for r in recs})),
                        "median": med, "samples": recs})
    os.makedirs(out_dir, exist_ok=True)
    doc = {"benchmark": "ipi", "vcpus": 8,
           "generated": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "host": "emulated KVM host (QEMU TCG, tools/qemu)",
           "configs": CONFIGS, "records": records}
    with open(os.path.join(out_dir, "ipi.json"), "w") as f:
        json.dump(doc, f, indent=1)
    plots = plot.safe(plot_figures, doc, out_dir)
    for _, message, _ in plots:
        print("ipi: " + message, file=sys.stderr)
    by = {(r["config"], r["mode"], r["case"]): r for r in records}
    lines = ["# IPI benchmark: 8 vCPUs, medians of %d rounds" %
             max((r["rounds"] for r in records), default=0), ""] + plot.note(plots) + [
             "Per operation: time (us), exits counted by the host (all; IPI = "
             "ICR writes + SEND_IPI).", "",
             "| mode | case | " + " | ".join(
                 "%s us | %s exits | %s IPI exits" % (c, c, c) for c in CONFIGS) + " |",
             "|" + " --- |" * (2 + 3 * len(CONFIGS))]
    for mode in MODES:
        for case in CASES:
            cells = []
            present = False
            for c in CONFIGS:
                r = by.get((c, mode, case))
                if r is None:
                    cells += ["-", "-", "-"]
                    continue
                present = True
                m = r["median"]
                flag = "" if r["all_callbacks_ran"] else " (lost calls!)"
                cells += ["%.1f%s" % (m["ns_per_op"] / 1000, flag),
                          "%.2f" % m["exits_per_op"], "%.2f" % m["ipi_exits_per_op"]]
            if present:
                lines.append("| %s | %s | %s |" % (mode, case, " | ".join(cells)))
    places = sorted({r["placement"] for r in records})
    lines += ["", "Where the vCPUs ran: " + "; ".join(places) + "."]
    lines += ["", "Cases: single = smp_call_function_single to one CPU; half = "
              "smp_call_function_many to 4 of the 7 others; all = to all 7 "
              "(no_ipi_broadcast=1); each waits for completion. raw-icr / raw-hc = "
              "sending one reschedule IPI through the ICR / the SEND_IPI "
              "hypercall, sender's time only (raw-hc only where PV IPI is offered)."]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "ipi.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
