#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise the agent benchmark's runs (tools/bench/agent.sh).

    agent_report.py RUNS_DIR OUT_DIR SECONDS THREADS FIFO WARMUP CPUS

Reads RUNS_DIR/runs/VMS-VCPUS-HOSTILE.ROUND.json and .t0.json (taxcut-agent
--stats-json at the end and the start of the measured window), .cpu.json
(the agent's CPU over it) and .probe.json (tools/bench/wake_probe.c). Per run: the honest VMs' fire lateness (their histograms merged:
p50, p99, max), the promises broken to honest VMs, the hostile VM's fires
and throttled interrupts, the agent's passes and CPU. Writes
OUT_DIR/agent.json (medians per configuration, every run) and
OUT_DIR/agent.md, and prints the table.

Lateness is the agent's: from the deadline to its eventfd write, as the
agent measured it (a guest's own wakeup is not the agent's to count).
"""
import glob
import json
import os
import re
import statistics
import sys

VMS = (1, 8, 64)
VCPUS = (4, 16)
LAST_BUCKET = 2047   # taxcut-agent's histogram: the last bucket is "2047 us or later"
GOAL_P99_RATIO = 1.2


def quantile(hist, q):
    total = sum(c for _, c in hist)
    if not total:
        return None
    want = min(int(q * total), total - 1)
    seen = 0
    for us, c in hist:
        seen += c
        if seen > want:
            return us
    return hist[-1][0]


def delta_hist(now, then):
    """A histogram's [us, count] pairs: now's minus then's (the window's)."""
    before = dict((us, c) for us, c in then)
    return [(us, c - before.get(us, 0)) for us, c in now if c > before.get(us, 0)]


def one_run(path):
    """One run's measured window: the snapshot at its end less the one at its start."""
    with open(path) as f:
        stats = json.load(f)
    base = path[:-len(".json")]
    with open(base + ".t0.json") as f:
        start = json.load(f)
    with open(base + ".cpu.json") as f:
        cpu = json.load(f)
    with open(base + ".probe.json") as f:
        probe = json.load(f)
    was = {v["name"]: v for v in start["vms"]}

    def d(vm, key):
        return vm[key] - was[vm["name"]][key]

    merged = {}
    honest = [v for v in stats["vms"] if v["name"] != "hostile"]
    hostile = [v for v in stats["vms"] if v["name"] == "hostile"]
    for vm in honest:
        for us, c in delta_hist(vm["late_hist_us"], was[vm["name"]]["late_hist_us"]):
            merged[us] = merged.get(us, 0) + c
    hist = sorted(merged.items())
    passes = sum(t["passes"] for t in stats["threads"]) - sum(t["passes"] for t in start["threads"])
    pass_ns = (sum(t["pass_ns_sum"] for t in stats["threads"]) -
               sum(t["pass_ns_sum"] for t in start["threads"]))
    return {
        "honest_fires": sum(d(v, "fired") for v in honest),
        "late_p50_us": quantile(hist, 0.5),
        "late_p99_us": quantile(hist, 0.99),
        "late_max_us": hist[-1][0] if hist else None,
        "broken_promises": sum(d(v, "broken_promises") for v in honest),
        "broken_promises_warmup": sum(was[v["name"]]["broken_promises"] for v in honest),
        "broken_max_us_since_start": max((v["broken_max_ns"] for v in honest), default=0) / 1000.0,
        "honest_throttled": sum(d(v, "throttled") for v in honest),
        "hostile_fires": sum(d(v, "fired") for v in hostile),
        "hostile_throttled": sum(d(v, "throttled") for v in hostile),
        "passes": passes,
        "pass_avg_us": pass_ns / passes / 1000.0 if passes else None,
        "pass_max_us_since_start": max(t["pass_ns_max"] for t in stats["threads"]) / 1000.0,
        "slack_us_at_end": max(t["slack_ns"] for t in stats["threads"]) / 1000.0,
        "woke_late_max_us_since_start":
            max(t["woke_late_max_ns"] for t in stats["threads"]) / 1000.0,
        "woke_past_slack": (sum(t["woke_past_slack"] for t in stats["threads"]) -
                            sum(t["woke_past_slack"] for t in start["threads"])),
        "probe_late_max_us": probe["late_max_ns"] / 1000.0,
        "probe_late_p99_us": probe["late_p99_ns"] / 1000.0,
        "probe_late_over_1ms": probe["late_over_1ms"],
        "steal_pct": 100.0 * cpu.get("steal_ticks", 0) / cpu["hz"] / (cpu["wall_ns"] / 1e9),
        "agent_cpu_pct": 100.0 * cpu["cpu_ticks"] / cpu["hz"] / (cpu["wall_ns"] / 1e9),
    }


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(v, spec="{:.0f}"):
    if v is None:
        return "-"
    if isinstance(v, (int, float)) and v >= LAST_BUCKET and spec == "us":
        return ">=2047"
    return (spec if spec != "us" else "{:.0f}").format(v)


def main():
    runs_dir, out_dir, seconds, threads, fifo, warmup, cpus = sys.argv[1:8]
    runs = {}
    for path in sorted(glob.glob(os.path.join(runs_dir, "runs", "*.json"))):
        m = re.fullmatch(r"(\d+)-(\d+)-([01])\.(\d+)\.json", os.path.basename(path))
        if not m:
            continue
        key = (int(m[1]), int(m[2]), int(m[3]))
        runs.setdefault(key, []).append(one_run(path))
    configs = []
    for vms in VMS:
        for vcpus in VCPUS:
            row = {"vms": vms, "vcpus": vcpus}
            for hostile in (0, 1):
                samples = runs.get((vms, vcpus, hostile), [])
                med = {k: median([s[k] for s in samples]) for k in samples[0]} if samples else {}
                med["broken_promises_total"] = sum(s["broken_promises"] for s in samples)
                med["broken_promises_warmup_total"] = sum(s["broken_promises_warmup"]
                                                          for s in samples)
                med["woke_past_slack_total"] = sum(s["woke_past_slack"] for s in samples)
                med["probe_late_over_1ms_total"] = sum(s["probe_late_over_1ms"] for s in samples)
                med["runs"] = samples
                row["hostile" if hostile else "benign"] = med
            b, h = row["benign"], row["hostile"]
            ratio = (h["late_p99_us"] / b["late_p99_us"]
                     if h.get("late_p99_us") is not None and b.get("late_p99_us") else None)
            row["p99_ratio"] = ratio
            row["goal_hostile"] = (ratio is not None and ratio <= GOAL_P99_RATIO and
                                   h["broken_promises_total"] == 0)
            configs.append(row)
    big = next(r for r in configs if r["vms"] == 64 and r["vcpus"] == 16)
    result = {
        "benchmark": "agent",
        "seconds": int(seconds),
        "warmup_seconds": int(warmup),
        "threads": int(threads),
        "fifo_priority": int(fifo),
        "agent_cpus": cpus,
        "mode": "scan, every 250 us",
        "guest": "et_client bench: deadlines 2-40 ms ahead, re-armed on every fire",
        "hostile": "one VM of 255 vCPUs: every fired slot re-armed at deadline 1, "
                   "vectors never read, a garbage byte a millisecond",
        "goals": {
            "hostile_p99_at_most_1.2x_and_no_broken_promise": [
                f'{r["vms"]}x{r["vcpus"]}' for r in configs if r["goal_hostile"]],
            "hostile_goal_missed": [
                f'{r["vms"]}x{r["vcpus"]}' for r in configs if not r["goal_hostile"]],
            "64x16_benign_broken_promises": big["benign"]["broken_promises_total"],
        },
        "configs": configs,
    }
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "agent.json"), "w") as f:
        json.dump(result, f, indent=1)
    sched = f"SCHED_FIFO {fifo}" if int(fifo) else "SCHED_OTHER"
    lines = [
        f"# taxcut-agent: {threads} firing thread(s) at {sched} on CPUs {cpus}"
        f"{' (the guests on the others)' if cpus != 'any' else ''}, scan mode (250 us); "
        f"{seconds} s measured after {warmup} s of warm-up; medians of the rounds",
        "",
        "Honest VMs' fire lateness in the measured window (us, the agent's: deadline to eventfd "
        "write), promises broken to honest VMs in it / in the warm-up before it, while the "
        "guests connected and the slack was learning (all rounds), the hostile VM's fires and "
        "throttled interrupts, the agent's passes, slack and CPU. \"woke late\": the firing "
        "threads' worst start of a pass after its planned time since the agent started (the "
        "scheduler's share of a late look) / passes in the window that began later than the "
        "slack then promised (all rounds). The control, \"probe\": a bare sleeper at the same "
        "scheduling class over the same window, its worst wake-up lateness / wakes over 1 ms "
        "(all rounds): what this machine does to any thread. Steal: CPU its own host took, "
        "% of one CPU.",
        "",
        "| VMs x vCPUs | hostile | p50 | p99 | max | p99 vs benign | broken / in warm-up | hostile fires "
        "| throttled | pass avg/max us | slack us | woke late max us / past slack "
        "| probe max us / over 1 ms | agent CPU % | steal % |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for r in configs:
        for kind in ("benign", "hostile"):
            m = r[kind]
            if not m.get("runs"):
                continue
            lines.append(
                f'| {r["vms"]} x {r["vcpus"]} | {"yes" if kind == "hostile" else "no"} '
                f'| {fmt(m["late_p50_us"], "us")} | {fmt(m["late_p99_us"], "us")} '
                f'| {fmt(m["late_max_us"], "us")} '
                f'| {fmt(r["p99_ratio"], "{:.2f}x") if kind == "hostile" else ""} '
                f'| {m["broken_promises_total"]} / {m["broken_promises_warmup_total"]} '
                f'| {fmt(m["hostile_fires"]) if kind == "hostile" else ""} '
                f'| {fmt(m["hostile_throttled"]) if kind == "hostile" else ""} '
                f'| {fmt(m["pass_avg_us"], "{:.1f}")}/{fmt(m["pass_max_us_since_start"])} '
                f'| {fmt(m["slack_us_at_end"])} '
                f'| {fmt(m["woke_late_max_us_since_start"])} / {m["woke_past_slack_total"]} '
                f'| {fmt(m["probe_late_max_us"])} / {m["probe_late_over_1ms_total"]} '
                f'| {fmt(m["agent_cpu_pct"], "{:.1f}")} | {fmt(m["steal_pct"], "{:.1f}")} |')
    g = result["goals"]
    lines += [
        "",
        f'Goal, with the hostile VM: honest p99 at most {GOAL_P99_RATIO}x the benign run and no '
        f'broken promise: met at {", ".join(g["hostile_p99_at_most_1.2x_and_no_broken_promise"]) or "none"}'
        f'; missed at {", ".join(g["hostile_goal_missed"]) or "none"}.',
        f'Goal, 64 x 16 benign: no broken promise: {g["64x16_benign_broken_promises"]} broken.',
    ]
    with open(os.path.join(out_dir, "agent.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
