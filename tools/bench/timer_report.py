#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the exitless timer benchmark's runs (tools/bench/timer.sh).

    timer_report.py RUNS_DIR OUT_DIR

Reads RUNS_DIR/runs/CONFIG.ROUND/{tap.log,exits.json}: timer_accuracy's
line (wakeups, early, unfinished, lateness p50/p99/max in us), the elapsed
time between the guest's marks 800 and 801, and the emulated host's
counts between those marks. Writes OUT_DIR/timer.json (medians per
configuration, and the samples) and OUT_DIR/timer.md, and prints the
table. Plot (gnuplot, tools/bench/plot.py): OUT_DIR/timer.svg, the
lateness CDF of each configuration, from the quantiles timer_accuracy
prints ("timer_accuracy_quantiles: p1 X ... max X", us) where the guest
printed them, else from p50, p99 and max alone.

Timer exits: the LAPIC timer programming the host counted (x2APIC initial
count and LVT timer writes, TSC-deadline MSR writes, their xAPIC MMIO
forms). All exits: the host's would-be exits on KVM with APICv
("exits.total", each event once, LAPIC timer expiries while the vCPU runs
included: docs/emulated-host.md).
"""
import json
import os
import re
import statistics
import sys
import time

sys.dont_write_bytecode = True  # nothing written beside the sources
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "..", "selftests", "lib"))
from exits import placement, placement_text  # noqa: E402
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

# configurations whose agent busy-polls on a host CPU of its own
BUSY_AGENTS = {"poll": 1}

CONFIGS = {
    "lapic": "the LAPIC timer (taxcut loaded, exitless_timer=0)",
    "poll": "exitless timer, agent busy-polling",
    "scan": "exitless timer, agent scanning every 250 us",
}
TIMER_WRITES = [
    ("msr_write", "x2apic_timer_initial_count"),
    ("msr_write", "x2apic_lvt_timer"),
    ("msr_write", "tsc_deadline"),
    ("apic_mmio_write", "timer_initial_count"),
    ("apic_mmio_write", "lvt_timer"),
]


def snapshot(data, label):
    for mark in data.get("marks", []):
        if str(mark["label"]) == label:
            return mark["total"].get("exits", {})
    return None


def counted(exits):
    return exits.get("total", 0)


def clock_reads(exits):
    """HPET reads: the guest's clocksource on this host (no kvmclock here;
    a KVM guest reads kvmclock or the TSC without an exit)."""
    return exits.get("mmio_read", {}).get("hpet", 0)


def timer_writes(exits):
    return sum(exits.get(kind, {}).get(name, 0) for kind, name in TIMER_WRITES)


def one_run(run_dir, config):
    try:
        with open(os.path.join(run_dir, "exits.json")) as f:
            data = json.load(f)
        with open(os.path.join(run_dir, "tap.log")) as f:
            tap = f.read()
    except OSError:
        return None
    acc = re.search(r"timer_accuracy: wakeups (\d+) early (\d+) unfinished (\d+) "
                    r"late_p50_us ([\d.]+) late_p99_us ([\d.]+) late_max_us ([\d.]+)", tap)
    el = re.search(r"# elapsed ([\d.]+) ([\d.]+)", tap)
    a, b = snapshot(data, "800"), snapshot(data, "801")
    if not acc or not el or a is None or b is None:
        return None
    seconds = float(el.group(2)) - float(el.group(1))
    writes = timer_writes(b) - timer_writes(a)
    exits = counted(b) - counted(a)
    clocks = clock_reads(b) - clock_reads(a)
    wakeups = int(acc.group(1))
    q = re.search(r"timer_accuracy_quantiles:((?: (?:p[\d.]+|max) [\d.]+)+)", tap)
    if q:
        words = q.group(1).split()
        quantiles = {("100" if k == "max" else k[1:]): float(v)
                     for k, v in zip(words[::2], words[1::2])}
    else:
        quantiles = {"50": float(acc.group(4)), "99": float(acc.group(5)),
                     "100": float(acc.group(6))}
    return {
        "late_quantiles_us": quantiles,
        "seconds": round(seconds, 2),
        "wakeups": wakeups,
        "early": int(acc.group(2)),
        "unfinished": int(acc.group(3)),
        "late_p50_us": float(acc.group(4)),
        "late_p99_us": float(acc.group(5)),
        "late_max_us": float(acc.group(6)),
        "timer_writes": writes,
        "timer_writes_per_s": round(writes / seconds, 1),
        "timer_writes_per_wakeup": round(writes / wakeups, 3) if wakeups else None,
        "exits_per_s": round(exits / seconds, 1),
        "clock_reads_per_s": round(clocks / seconds, 1),
        "exits_but_clock_per_s": round((exits - clocks) / seconds, 1),
        "wakeups_per_s": round(wakeups / seconds, 1),
        "placement": placement_text(placement(data, BUSY_AGENTS.get(config, 0))),
    }


def median(samples, key):
    vals = [s[key] for s in samples if s.get(key) is not None]
    return round(statistics.median(vals), 3) if vals else None


def quantile_medians(samples):
    """{percent: median lateness in us over the rounds}, the percents every
    round has."""
    common = None
    for s in samples:
        keys = set(s.get("late_quantiles_us", {}))
        common = keys if common is None else common & keys
    return {k: round(statistics.median(s["late_quantiles_us"][k] for s in samples), 3)
            for k in sorted(common or (), key=float)}


def plot_figures(doc, out_dir):
    """The lateness CDF of each configuration, and its tail (the share of
    wakeups later than x, log scale). [(svg, message, caption)]"""
    cdf, tail = [], []
    for rec in doc["records"]:
        q = sorted((float(k), v) for k, v in (rec.get("late_quantiles_us") or {}).items())
        name = rec["config"] + (" (p50, p99, max only)" if 0 < len(q) <= 3 else "")
        cdf.append(plot.Series(name, [(v, k / 100) for k, v in q], "linespoints"))
        tail.append(plot.Series(name, [(v, 1 - k / 100) for k, v in q if k >= 50],
                                "linespoints"))
    xlabel = "lateness past the deadline (us)"
    svg, message = plot.render(
        out_dir, "timer", "exitless timer: lateness CDF, median of the rounds' quantiles",
        [plot.Panel("CDF: " + doc.get("workload", "timer_accuracy").split(":")[0], xlabel,
                    "fraction of wakeups at most this late", cdf, key="bottom right",
                    ymin=-0.02, ymax=1.02, logx=True),
         plot.Panel("the tail, from the median", xlabel, "fraction of wakeups later than this",
                    tail, key="bottom left", logx=True, logy=True)],
        cols=2, panel_size=(620, 460))
    return [(svg, message, "lateness CDF and its tail per configuration (%s)" %
             ", ".join(CONFIGS))]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs_dir, out_dir = sys.argv[1], sys.argv[2]
    records = []
    for config, what in CONFIGS.items():
        samples, failed = [], 0
        r = 1
        while os.path.isdir(os.path.join(runs_dir, "runs", f"{config}.{r}")):
            s = one_run(os.path.join(runs_dir, "runs", f"{config}.{r}"), config)
            if s:
                samples.append(s)
            else:
                failed += 1     # no result: hung, crashed or unparsable
            r += 1
        rec = {"config": config, "what": what, "rounds": len(samples), "failed": failed,
               "samples": samples}
        for key in ("wakeups_per_s", "late_p50_us", "late_p99_us", "late_max_us",
                    "timer_writes_per_s", "timer_writes_per_wakeup", "exits_per_s",
                    "clock_reads_per_s", "exits_but_clock_per_s"):
            rec[key] = median(samples, key)
        rec["late_quantiles_us"] = quantile_medians(samples)
        rec["placement"] = "; ".join(sorted({s["placement"] for s in samples})) or "-"
        rec["early"] = sum(s["early"] for s in samples)
        rec["unfinished"] = sum(s["unfinished"] for s in samples)
        records.append(rec)
    result = {
        "benchmark": "timer",
        "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "guest": "stock Debian 6.1, 4 vCPUs, emulated KVM host (TCG)",
        "workload": "timer_accuracy: nanosleep, clock_nanosleep, timerfd at 100 us - 6.4 ms on every CPU",
        "records": records,
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "timer.json"), "w") as f:
        json.dump(result, f, indent=1)
    plots = plot.safe(plot_figures, result, out_dir)
    for _, message, _ in plots:
        print("timer: " + message, file=sys.stderr)
    lines = [
        "| config | rounds | wakeups/s | late p50 us | late p99 us | late max us "
        "| timer exits/s | timer exits per wakeup | all exits/s | of them HPET reads/s "
        "| all but HPET reads/s | early | lost | failed rounds | where |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for rec in records:
        lines.append("| {config} | {rounds} | {wakeups_per_s} | {late_p50_us} | {late_p99_us} "
                     "| {late_max_us} | {timer_writes_per_s} | {timer_writes_per_wakeup} "
                     "| {exits_per_s} | {clock_reads_per_s} | {exits_but_clock_per_s} "
                     "| {early} | {unfinished} | {failed} | {placement} |".format(**rec))
    table = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "timer.md"), "w") as f:
        f.write("# Exitless timer benchmark (medians)\n\n" +
                "".join(l + "\n" for l in plot.note(plots)) + table + "\n" +
                "\n".join(f"- {c}: {w}" for c, w in CONFIGS.items()) + "\n")
    print(table, end="")


if __name__ == "__main__":
    main()
