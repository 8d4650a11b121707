#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Summarise tools/bench/noise.sh: the spread across boots of one
configuration, pinned and not.

    noise_report.py RUNS_DIR OUT_DIR

Reads RUNS_DIR/{on,off}.ROUND.json (one haltpoll.json per boot) and writes
OUT_DIR/noise.json and noise.md: per workload and pinning, the round-trip
medians of the boots, their median and their spread, (max - min) / median.
"""
import glob
import json
import os
import statistics
import sys
import time

FIELDS = [("rtt_p50_ns", "p50 round trip"), ("pipe_usecs_per_op", "pipe us/op")]


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    runs_dir, out_dir = sys.argv[1], sys.argv[2]
    samples = {}    # (pin, workload, field) -> [values]
    places = {}
    for path in sorted(glob.glob(os.path.join(runs_dir, "o[nf]*.[0-9]*.json"))):
        pin = os.path.basename(path).split(".")[0]
        with open(path) as f:
            doc = json.load(f)
        for rec in doc.get("records", []):
            places.setdefault(pin, set()).add(rec.get("placement", "?"))
            for field, _ in FIELDS:
                if rec.get(field) is not None:
                    samples.setdefault((pin, rec["workload"], field), []).append(rec[field])
    rows = []
    for (pin, workload, field), vals in sorted(samples.items()):
        med = statistics.median(vals)
        rows.append({"pinned": pin == "on", "workload": workload, "field": field,
                     "boots": len(vals), "values": vals, "median": med,
                     "spread": (max(vals) - min(vals)) / med if med else None})
    doc = {"benchmark": "noise", "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
           "statistic": "(max - min) / median across boots",
           "placement": {k: sorted(v) for k, v in places.items()}, "rows": rows}
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "noise.json"), "w") as f:
        json.dump(doc, f, indent=1)
    by = {(r["pinned"], r["workload"], r["field"]): r for r in rows}
    lines = ["# Noise: one configuration, boot after boot", "",
             "Spread = (max - min) / median of the per-boot medians.", "",
             "| workload | measure | boots | pinned: median | pinned: spread "
             "| not pinned: median | not pinned: spread |",
             "| --- | --- | --- | --- | --- | --- | --- |"]
    keys = sorted({(w, f) for (_, w, f) in by})
    for w, f in keys:
        p, u = by.get((True, w, f)), by.get((False, w, f))

        def cell(r):
            if not r:
                return "-", "-"
            scale = 1000.0 if f.endswith("_ns") else 1.0
            return "%.1f" % (r["median"] / scale), "%.0f%%" % (100 * r["spread"])
        label = dict(FIELDS)[f] + (" (us)" if f.endswith("_ns") else "")
        lines.append("| %s | %s | %d | %s | %s | %s | %s |" % (
            (w, label, max(r["boots"] for r in (p, u) if r)) + cell(p) + cell(u)))
    lines += ["", "Where the vCPUs ran: " + "; ".join(
        "%s: %s" % ("pinned" if k == "on" else "not pinned", ", ".join(v))
        for k, v in sorted(doc["placement"].items())) + "."]
    text = "\n".join(lines) + "\n"
    with open(os.path.join(out_dir, "noise.md"), "w") as f:
        f.write(text)
    print(text)


if __name__ == "__main__":
    main()
