#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""The benchmark reports' plots (tools/bench/plot.py, gnuplot's svg
terminal) on made-up runs: each report, run as make bench runs it, writes
its table and an SVG that is well-formed XML, names every configuration
and says what its axes are; without gnuplot the table is still written and
says why there is no plot. TAP.

    bench_plot_test.py OUT_DIR

gnuplot is a build dependency (make deps installs gnuplot-nox): without it
this test fails rather than skips.
"""
import json
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
top = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
bench = os.path.join(top, "tools", "bench")
out = os.path.abspath(os.path.join(sys.argv[1] if len(sys.argv) > 1 else ".", "bench_plot"))
shutil.rmtree(out, ignore_errors=True)
os.makedirs(out)
results = []


def ok(cond, what, why=""):
    results.append((bool(cond), what, why))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def run_dir(runs, name, tap, marks, vcpus=2):
    write(os.path.join(runs, "runs", name, "tap.log"), tap)
    write(os.path.join(runs, "runs", name, "exits.json"), json.dumps(
        {"version": 1, "host_cpus": 2, "pinned": True,
         "vcpus": [{"cpu": i, "data": {}} for i in range(vcpus)], "marks": marks}))


def report(script, args, path=None):
    """Run a report as the benchmark does; PATH without gnuplot if path given."""
    env = dict(os.environ)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([sys.executable, os.path.join(bench, script)] + args,
                          capture_output=True, text=True, env=env, timeout=300)


def svg_text(path):
    """(None, why) or (root, every text and title in it, joined)"""
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as e:
        return None, "%s: %s" % (os.path.basename(path), e)
    return root, "\n".join("".join(e.itertext()) for e in root.iter()
                          if e.tag.split("}")[-1] in ("text", "title"))


def check_svg(path, names, labels):
    """An SVG that parses, an <svg> root, the series names and axis labels."""
    root, text = svg_text(path)
    base = os.path.basename(path)
    if root is None:
        md = [l for f in os.listdir(os.path.dirname(path)) if f.endswith(".md")
              for l in open(os.path.join(os.path.dirname(path), f)) if base + " skipped" in l]
        ok(False, base + ": drawn, well-formed XML", "\n".join([text] + md))
        return
    ok(root.tag.split("}")[-1] == "svg", base + ": drawn, well-formed XML with an <svg> root",
       root.tag)
    missing = [n for n in names if n not in text]
    ok(not missing, base + ": names every series in its legend: " + ", ".join(names),
       "missing: %s" % missing)
    missing = [n for n in labels if n not in text]
    ok(not missing, base + ": titles and axis labels: " + "; ".join(labels),
       "missing: %s" % missing)


gnuplot = shutil.which("gnuplot")
ok(gnuplot, "gnuplot is installed (the plots need it)",
   "gnuplot not found in PATH: 'make deps' installs Debian's gnuplot-nox "
   "(apt-get install gnuplot-nox)")

# --- haltpoll: 4 configurations, 2 rounds, 2 vCPUs ---------------------------
runs = os.path.join(out, "haltpoll-runs")
wasted = {"halt": 0, "poll": 0, "upstream": 900_000_000, "taxcut-gov": 2_000_000}
p50 = {"halt": 250_000, "poll": 40_000, "upstream": 60_000, "taxcut-gov": 65_000}
for c in wasted:
    for r in (1, 2):
        tap, marks, label = [], [], 1000
        for w in ("pipe", "think10", "mixed", "idle"):
            extra = ("usecs_per_op 12.5" if w == "pipe" else "" if w == "idle" else
                     "rounds 2000 p50_ns %d p99_ns %d" % (p50[c] + r, 3 * p50[c]))
            tap.append("bench %s mark %d poll_ns %d wasted_ns %d %s" % (
                w, label, 2 * wasted[c], wasted[c], extra))
            for i in (0, 1):
                marks.append({"label": label + i, "time_ns": 10 ** 9 * (label + i),
                              "process_cpu_ns": 10 ** 8 * (label + i),
                              "total": {"exits": {"hlt": 100 * i}}})
            label += 2
        run_dir(runs, "%s.2.%d" % (c, r), "\n".join(tap) + "\n", marks)
res = report("haltpoll_report.py", [runs, out])
ok(res.returncode == 0, "haltpoll_report.py: exits 0", res.stderr[-500:])
check_svg(os.path.join(out, "haltpoll-2vcpus.svg"),
          ["upstream", "taxcut-gov", "halt", "poll (p50; polling not measured)"],
          ["latency against wasted polling, 2 vCPUs", "think10", "mixed",
           "wasted polling per round trip (us, all vCPUs)", "round trip (us)"])
with open(os.path.join(out, "haltpoll.md")) as f:
    md = f.read()
ok("[haltpoll-2vcpus.svg](haltpoll-2vcpus.svg)" in md, "haltpoll.md links haltpoll-2vcpus.svg")
with open(os.path.join(out, "haltpoll-2vcpus.gp")) as f:
    gp = f.read()
# upstream wastes 450 us per round trip, taxcut 1 us, halt none: decades, and a 0
ok("set logscale x" in gp and "set xtics add ('0'" in gp,
   "haltpoll: wasted polling spanning decades on a log axis, zero at its labelled edge")

# --- timer: 3 configurations, quantiles printed by one -------------------------
runs = os.path.join(out, "timer-runs")
late = {"lapic": 20.0, "poll": 3.0, "scan": 150.0}
for c, base in late.items():
    tap = ["# timer_accuracy: wakeups 5000 early 0 unfinished 0 late_p50_us %.1f "
           "late_p99_us %.1f late_max_us %.1f" % (base, 5 * base, 20 * base),
           "# elapsed 10.00 15.00"]
    if c != "scan":
        tap.append("# timer_accuracy_quantiles: p0 %.1f p10 %.1f p50 %.1f p90 %.1f "
                   "p99 %.1f p99.9 %.1f max %.1f" % (0.1 * base, 0.5 * base, base,
                                                     3 * base, 5 * base, 10 * base, 20 * base))
    marks = [{"label": 800 + i, "total": {"exits": {
        "total": 1000 + 60000 * i, "msr_write": {"tsc_deadline": 50000 * i},
        "mmio_read": {"hpet": 1000 * i}}}} for i in (0, 1)]
    run_dir(runs, c + ".1", "\n".join(tap) + "\n", marks, vcpus=4)
res = report("timer_report.py", [runs, out])
ok(res.returncode == 0, "timer_report.py: exits 0", res.stderr[-500:])
check_svg(os.path.join(out, "timer.svg"), list(late),
          ["lateness CDF", "lateness past the deadline (us)",
           "fraction of wakeups at most this late"])
with open(os.path.join(out, "timer.json")) as f:
    q = {r["config"]: r["late_quantiles_us"] for r in json.load(f)["records"]}
ok(len(q["lapic"]) == 7 and q["lapic"]["99.9"] == 200.0 and q["lapic"]["100"] == 400.0 and
   q["scan"] == {"50": 150.0, "99": 750.0, "100": 3000.0},
   "timer.json: the quantiles timer_accuracy printed, else p50, p99 and max", str(q))
with open(os.path.join(out, "timer.md")) as f:
    ok("[timer.svg](timer.svg)" in f.read(), "timer.md links timer.svg")

# --- ipi: 3 configurations, 2 modes ---------------------------------------------
runs = os.path.join(out, "ipi-runs")
per_op = {"native": (7.0, 4.0), "upstream": (3.0, 1.0), "taxcut": (2.0, 1.0)}
for c, (total, icr) in per_op.items():
    for mode in ("physical", "cluster"):
        tap, marks, label = [], [], 10
        for case in ("single", "half", "all"):
            tap.append("# ipibench: %s ops 1000 ns_per_op 5000 mark %d callbacks 1000/1000"
                       % (case, label))
            key = "hypercall" if c != "native" else "msr_write"
            name = "send_ipi" if c != "native" else "x2apic_icr"
            for i in (0, 1):
                marks.append({"label": label + i, "total": {"exits": {
                    "total": int(1000 * total * i), key: {name: int(1000 * icr * i)}}}})
            label += 2
        run_dir(runs, "%s.%s.1" % (c, mode), "\n".join(tap) + "\n", marks, vcpus=8)
res = report("ipi_report.py", [runs, out])
ok(res.returncode == 0, "ipi_report.py: exits 0", res.stderr[-500:])
check_svg(os.path.join(out, "ipi.svg"), list(per_op),
          ["x2APIC physical mode", "x2APIC cluster mode", "IPI exits per operation",
           "all exits per operation", "single", "half"])
with open(os.path.join(out, "ipi.md")) as f:
    ok("[ipi.svg](ipi.svg)" in f.read(), "ipi.md links ipi.svg")

# --- haltpoll replay: the table the C program writes, the plot added ------------
rep = os.path.join(out, "replay")
policies = ["taxcut", "upstream-haltpoll", "halt-only", "idle=poll"]
results_rows = []
for w, t in (("steady-10us", 1), ("mixed", 30), ("poisson-10k/s", 90)):
    for L in (5, 20, 200):
        for p in policies:
            results_rows.append({
                "workload": w, "wake_cost_us": L, "policy": p,
                "added_latency_mean_us": {"taxcut": 0.01 * t, "upstream-haltpoll": 0.1 * L,
                                          "halt-only": L, "idle=poll": 0}[p],
                "wasted_per_wakeup_us": {"taxcut": 0.001 * t, "upstream-haltpoll": 2.0 * t,
                                         "halt-only": 0, "idle=poll": 0}[p]})
write(os.path.join(rep, "haltpoll-replay.json"), json.dumps({"results": results_rows}))
write(os.path.join(rep, "haltpoll-replay.md"), "# haltpoll replay\n\nSome text.\n\n| a |\n")
for _ in (1, 2):
    res = report("haltpoll_replay_report.py", [rep])
ok(res.returncode == 0, "haltpoll_replay_report.py: exits 0", res.stderr[-500:])
check_svg(os.path.join(rep, "haltpoll-replay.svg"), policies,
          ["L = 5 us", "L = 200 us", "polling wasted per wakeup (us)",
           "added wakeup latency, mean (us)"])
with open(os.path.join(rep, "haltpoll-replay.md")) as f:
    md = f.read()
ok(md.startswith("# haltpoll replay\n\n<!-- plots") and md.count("haltpoll-replay.svg](") == 1
   and md.endswith("Some text.\n\n| a |\n"),
   "haltpoll-replay.md: the plot named once after the title, run twice, the table kept", md)

# --- no gnuplot: the table still, the reason said, no stale plot ----------------
empty = os.path.join(out, "no-gnuplot-bin")
os.makedirs(empty)
res = report("ipi_report.py", [runs, out], path=empty)
with open(os.path.join(out, "ipi.md")) as f:
    md = f.read()
ok(res.returncode == 0 and "| physical | single |" in md and
   "ipi.svg skipped: gnuplot not found" in md and "gnuplot not found" in res.stderr and
   not os.path.exists(os.path.join(out, "ipi.svg")),
   "without gnuplot: ipi_report.py exits 0, writes the table, says why ipi.svg is skipped "
   "(table and stderr), leaves no stale ipi.svg", res.stderr[-500:])

print("1..%d" % len(results))
for i, (good, what, why) in enumerate(results, 1):
    print("%s %d - %s" % ("ok" if good else "not ok", i, what))
    if not good and why:
        for line in str(why).splitlines()[:20]:
            print("#   " + line)
