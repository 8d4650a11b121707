#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the haltpoll benchmark's runs (tools/bench/haltpoll.sh).

    haltpoll_report.py RUNS_DIR OUT_DIR

Reads RUNS_DIR/runs/CONFIG.VCPUS.ROUND/{tap.log,exits.json}: the guest's
"bench WORKLOAD key value ..." lines and the emulated host's MARK snapshots
around each workload. Writes OUT_DIR/haltpoll.json (one record per
configuration, vCPU count and workload: medians over the rounds, and the
samples) and OUT_DIR/haltpoll.md (the table and the targets), and prints
the table. Plots (gnuplot, tools/bench/plot.py): OUT_DIR/haltpoll-NvCPUs.svg,
round-trip latency against wasted polling, a panel per workload, a point
per configuration.
"""
import json
import os
import statistics
import sys
import time

sys.dont_write_bytecode = True  # nothing written beside the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "selftests", "lib"))
from exits import lookup, placement, placement_text  # noqa: E402  (the accounting's key paths)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

CONFIGS = {
    "halt": "no cpuidle driver, host halt-polling off (halt only)",
    "poll": "idle=poll (the latency floor)",
    "hostpoll": "no cpuidle driver, host halt-polling on (KVM defaults)",
    "upstream": "cpuidle-haltpoll + upstream haltpoll governor (our 6.12 kernel)",
    "taxcut-gov": "cpuidle-haltpoll + taxcut governor (our 6.12 kernel)",
    "debian": "stock Debian 6.1: its cpuidle-haltpoll + menu governor",
    "taxcut-mod": "taxcut.ko idle driver on stock Debian 6.1",
    "debian13": "stock Debian 13: its cpuidle-haltpoll + haltpoll governor",
    "taxcut-mod13": "taxcut.ko idle driver on stock Debian 13",
    "taxcut-mod13-lat": "taxcut.ko on stock Debian 13, hit_worth_ns=150000",
    "taxcut-mod13-cap300": "taxcut.ko on stock Debian 13, guest_halt_poll_ns=300000",
    "taxcut-mod13-notrace": "taxcut.ko on stock Debian 13, trace events compiled out",
}
# each taxcut configuration against upstream's on the same kernel
ANCHOR = {"taxcut-gov": "upstream", "taxcut-mod": "debian", "taxcut-mod13": "debian13",
          "taxcut-mod13-lat": "debian13", "taxcut-mod13-cap300": "debian13", "taxcut-mod13-notrace": "debian13"}
WORKLOADS = ["pipe", "think0", "think10", "think50", "think100", "think200",
             "think500", "think1000", "mixed", "bursty", "idle"]
THINK = ["think10", "think50", "think100", "think200", "think500",
         "think1000", "mixed", "bursty"]
# guest polling cannot be told apart from idle time under idle=poll, and
# there is no guest polling without a cpuidle driver
POLL_NOT_MEASURED = {"poll"}


def parse_bench_line(line):
    words = line.split()
    name, rest = words[1], words[2:]
    return name, {rest[i]: rest[i + 1] for i in range(0, len(rest) - 1, 2)}


def one_run(run_dir):
    """{workload: {field: value}} for one boot."""
    try:
        with open(os.path.join(run_dir, "exits.json")) as f:
            exits = json.load(f)
        with open(os.path.join(run_dir, "tap.log"), errors="replace") as f:
            lines = [l.strip() for l in f if l.startswith("bench ")]
    except (OSError, ValueError):
        return {}
    marks = {m["label"]: m for m in exits.get("marks", [])}
    where = placement_text(placement(exits))
    result = {}
    for line in lines:
        name, kv = parse_bench_line(line)
        label = int(kv.get("mark", -1))
        start, end = marks.get(label), marks.get(label + 1)
        if not start or not end:
            continue
        rec = {
            "wall_ns": end["time_ns"] - start["time_ns"],
            "host_cpu_ns": end["process_cpu_ns"] - start["process_cpu_ns"],
            "hlt_exits": lookup(end["total"], "exits.hlt") - lookup(start["total"], "exits.hlt"),
            "guest_poll_ns": int(kv["poll_ns"]),
            "guest_poll_wasted_ns": int(kv["wasted_ns"]),
            "placement": where,
        }
        for key, field in (("p50_ns", "rtt_p50_ns"), ("p99_ns", "rtt_p99_ns"),
                           ("rounds", "rounds")):
            if key in kv:
                rec[field] = int(kv[key])
        if "usecs_per_op" in kv:
            rec["pipe_usecs_per_op"] = float(kv["usecs_per_op"])
        result[name] = rec
    return result


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs_dir, out_dir = sys.argv[1], sys.argv[2]
    samples = {}     # (config, vcpus, workload) -> field -> [values]
    rounds = set()
    for entry in sorted(os.listdir(os.path.join(runs_dir, "runs"))):
        config, vcpus, rnd = entry.rsplit(".", 2)
        rounds.add(int(rnd))
        for workload, rec in one_run(os.path.join(runs_dir, "runs", entry)).items():
            key = (config, int(vcpus), workload)
            for field, value in rec.items():
                samples.setdefault(key, {}).setdefault(field, []).append(value)

    records = []
    for (config, vcpus, workload), fields in samples.items():
        rec = {"config": config, "vcpus": vcpus, "workload": workload,
               "runs": len(fields["wall_ns"])}
        for field, values in fields.items():
            if field == "placement":
                rec[field] = "; ".join(sorted(set(values)))
                continue
            rec[field] = statistics.median(values)
        if config in POLL_NOT_MEASURED:
            rec["guest_poll_ns"] = rec["guest_poll_wasted_ns"] = None
        rec["samples"] = fields
        records.append(rec)
    order = {c: i for i, c in enumerate(CONFIGS)}
    records.sort(key=lambda r: (r["vcpus"], WORKLOADS.index(r["workload"])
                                if r["workload"] in WORKLOADS else 99,
                                order.get(r["config"], 99)))

    doc = {
        "benchmark": "haltpoll",
        "version": 1,
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "host": "emulated KVM host (QEMU TCG, tools/qemu), host CPUs: %d" % os.cpu_count(),
        "rounds": len(rounds),
        "statistic": "median over rounds",
        "configs": CONFIGS,
        "fields": {
            "rtt_p50_ns": "ping-pong round trip, median of the run (pipe: none)",
            "rtt_p99_ns": "ping-pong round trip, 99th percentile of the run",
            "pipe_usecs_per_op": "perf bench sched pipe, mean per operation",
            "guest_poll_ns": "time the guest spent polling (null: not measurable)",
            "guest_poll_wasted_ns": "the part of it in polls that timed out",
            "hlt_exits": "HLT exits, all vCPUs (emulated host's accounting)",
            "host_cpu_ns": "CPU time of the VM's QEMU process",
            "wall_ns": "host time the workload took",
            "placement": "vCPUs, host CPUs, pinned, overcommitted (more vCPUs than host CPUs)",
        },
        "records": records,
        "targets": targets(records),
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "haltpoll.json"), "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    plots = plot.safe(plot_figures, doc, out_dir)
    for _, message, _ in plots:
        print("haltpoll: " + message, file=sys.stderr)
    md = markdown(doc, plots)
    with open(os.path.join(out_dir, "haltpoll.md"), "w") as f:
        f.write(md)
    print(md)


def find(records, config, vcpus, workload):
    for r in records:
        if (r["config"], r["vcpus"], r["workload"]) == (config, vcpus, workload):
            return r
    return None


def verdict(ours, theirs):
    """A difference is claimed only where the rounds' ranges do not overlap."""
    if max(ours) < min(theirs):
        return "lower"
    if min(ours) > max(theirs):
        return "higher"
    return "within spread"


def targets(records):
    """The issue's targets, each taxcut configuration against the upstream
    polling of its own kernel; idle host CPU against halt only and pipe
    latency against idle=poll (both on our kernel)."""
    out = []
    vcpus = sorted({r["vcpus"] for r in records})
    for ours, anchor in ANCHOR.items():
        for v in vcpus:
            for w in WORKLOADS:
                t, u = find(records, ours, v, w), find(records, anchor, v, w)
                if not t or not u or "rtt_p50_ns" not in t or "rtt_p50_ns" not in u:
                    continue
                out.append({
                    "target": "p50 and p99 at most 1.05x " + anchor + "'s", "config": ours,
                    "vcpus": v, "workload": w,
                    "ours": [t["rtt_p50_ns"], t["rtt_p99_ns"]],
                    "anchor": [u["rtt_p50_ns"], u["rtt_p99_ns"]],
                    "met": t["rtt_p50_ns"] <= 1.05 * u["rtt_p50_ns"] and
                    t["rtt_p99_ns"] <= 1.05 * u["rtt_p99_ns"],
                    "p50_verdict": verdict(t["samples"]["rtt_p50_ns"], u["samples"]["rtt_p50_ns"]),
                })
            for w in THINK:
                t, u = find(records, ours, v, w), find(records, anchor, v, w)
                if not t or not u or t["guest_poll_wasted_ns"] is None:
                    continue
                out.append({
                    "target": "wasted polling at most half of " + anchor + "'s",
                    "config": ours,
                    "vcpus": v, "workload": w,
                    "ours": t["guest_poll_wasted_ns"], "anchor": u["guest_poll_wasted_ns"],
                    "met": 2 * t["guest_poll_wasted_ns"] <= u["guest_poll_wasted_ns"],
                })
            t, h = find(records, ours, v, "idle"), find(records, "halt", v, "idle")
            if t and h:
                out.append({
                    "target": "idle-guest host CPU within 5% of halt only", "config": ours,
                    "vcpus": v, "workload": "idle",
                    "ours": t["host_cpu_ns"], "anchor": h["host_cpu_ns"],
                    "met": t["host_cpu_ns"] <= 1.05 * h["host_cpu_ns"],
                })
            for w, field in (("think0", "rtt_p50_ns"), ("pipe", "pipe_usecs_per_op")):
                t, p = find(records, ours, v, w), find(records, "poll", v, w)
                if t and p and field in t and field in p:
                    out.append({
                        "target": "pipe within 1.3x of idle=poll (%s %s)" % (w, field),
                        "config": ours, "vcpus": v, "workload": w,
                        "ours": t[field], "anchor": p[field],
                        "met": t[field] <= 1.3 * p[field],
                    })
    return out


def us(ns):
    return "-" if ns is None else "%.1f" % (ns / 1000)


def ms(ns):
    return "-" if ns is None else "%.1f" % (ns / 1e6)


def spread(rec, field):
    if field not in rec:
        return "-"
    v = rec["samples"][field]
    return "%s (%s-%s)" % (us(rec[field]), us(min(v)), us(max(v)))


def plot_figures(doc, out_dir):
    """One SVG per vCPU count: a panel per ping-pong workload, a point per
    configuration at (wasted polling per round trip, p50 round trip), its
    bar up to the p99; idle=poll, whose polling is not measured, as a line
    at its p50. [(svg, message, caption)]"""
    out = []
    recs = doc["records"]
    for v in sorted({r["vcpus"] for r in recs}):
        panels = []
        for w in WORKLOADS:
            series = []
            for c in list(CONFIGS) + sorted({r["config"] for r in recs} - set(CONFIGS)):
                r = find(recs, c, v, w)
                if not r or "rtt_p50_ns" not in r:
                    continue
                p50, p99 = r["rtt_p50_ns"] / 1000, r.get("rtt_p99_ns", r["rtt_p50_ns"]) / 1000
                if r["guest_poll_wasted_ns"] is None:
                    series.append(plot.Series(c + " (p50; polling not measured)",
                                              [(p50,)], "hline"))
                    continue
                wasted = r["guest_poll_wasted_ns"] / 1000
                if r.get("rounds"):
                    wasted /= r["rounds"]
                series.append(plot.Series(c, [(wasted, p50, p50, max(p50, p99))], "errorbars"))
            panels.append(plot.Panel(w, "wasted polling per round trip (us, all vCPUs)",
                                     "round trip (us): p50, bar to p99", series))
        name = "haltpoll-%dvcpus" % v
        svg, message = plot.render(
            out_dir, name, "haltpoll: latency against wasted polling, %d vCPUs "
            "(medians of %d rounds; lower left is better)" % (v, doc["rounds"]),
            panels, cols=4, key_cell=True, panel_size=(440, 330))
        out.append((svg, message, "%d vCPUs: round-trip latency (p50, bar to p99) against "
                    "wasted polling per round trip, a panel per workload" % v))
    return out


def markdown(doc, plots=()):
    lines = ["# haltpoll benchmark", "",
             "%s; %s of %d rounds; %s." % (doc["host"], doc["statistic"],
                                           doc["rounds"], doc["date"]), ""]
    lines += plot.note(plots)
    lines += ["| config | what |", "| --- | --- |"]
    lines += ["| %s | %s |" % kv for kv in doc["configs"].items()]
    places = sorted({"%d vCPUs: %s" % (r["vcpus"], r.get("placement", "?"))
                     for r in doc["records"]})
    lines += ["", "Where the vCPUs ran: " + "; ".join(places) + "."]
    lines += ["", "p50 us: the median over rounds, then the rounds' lowest and highest."]
    lines += ["", "| vCPUs | workload | config | p50 us | p99 us | pipe us/op | "
              "polled ms | wasted ms | HLT exits | host CPU ms | wall ms |",
              "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"]
    for r in doc["records"]:
        lines.append("| %d | %s | %s | %s | %s | %s | %s | %s | %d | %s | %s |" % (
            r["vcpus"], r["workload"], r["config"], spread(r, "rtt_p50_ns"),
            us(r.get("rtt_p99_ns")),
            "%.1f" % r["pipe_usecs_per_op"] if "pipe_usecs_per_op" in r else "-",
            ms(r["guest_poll_ns"]), ms(r["guest_poll_wasted_ns"]), r["hlt_exits"],
            ms(r["host_cpu_ns"]), ms(r["wall_ns"])))
    met = sum(t["met"] for t in doc["targets"])
    lines += ["", "## Targets: %d of %d met" % (met, len(doc["targets"])), "",
              "| target | config | vCPUs | workload | ours | anchor | met | p50 across rounds |",
              "| --- | --- | --- | --- | --- | --- | --- | --- |"]
    for t in doc["targets"]:
        lines.append("| %s | %s | %d | %s | %s | %s | %s | %s |" % (
            t["target"], t["config"], t["vcpus"], t["workload"], t["ours"],
            t["anchor"], "yes" if t["met"] else "**no**", t.get("p50_verdict", "")))
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
