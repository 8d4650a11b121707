#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Plot the haltpoll replay benchmark (tools/bench/haltpoll-replay.sh).

    haltpoll_replay_report.py OUT_DIR

Reads OUT_DIR/haltpoll-replay.json (tools/haltpoll-replay writes it and the
table, OUT_DIR/haltpoll-replay.md), draws OUT_DIR/haltpoll-replay.svg with
gnuplot (tools/bench/plot.py): mean added wakeup latency against polling
wasted per wakeup, a panel per wake cost L, a point per workload and
policy; and adds a line naming the plot (or why there is none) to the
table. Never fails for a missing gnuplot.
"""
import json
import os
import sys

sys.dont_write_bytecode = True  # nothing written beside the sources
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import plot  # noqa: E402

BEGIN, END = "<!-- plots (tools/bench/haltpoll_replay_report.py) -->", "<!-- end of plots -->"


def with_note(text, lines):
    """The table's text with the plot lines after its title, in place of
    any there before."""
    if BEGIN in text and END in text:
        text = text[:text.index(BEGIN)] + text[text.index(END) + len(END):].lstrip("\n")
    head, sep, rest = text.partition("\n\n")
    block = BEGIN + "\n" + "\n".join(lines).rstrip("\n") + "\n" + END + "\n\n"
    return head + sep + block + rest if sep else text + "\n\n" + block


def plot_figures(doc, out_dir):
    """[(svg, message, caption)]"""
    res = doc["results"]
    policies = []
    for r in res:
        if r["policy"] not in policies:
            policies.append(r["policy"])
    panels = []
    for cost in sorted({r["wake_cost_us"] for r in res}):
        series = [plot.Series(p, [(r["wasted_per_wakeup_us"], r["added_latency_mean_us"])
                                  for r in res if r["policy"] == p and r["wake_cost_us"] == cost])
                  for p in policies]
        panels.append(plot.Panel("a halted wakeup costs L = %s us" % cost,
                                 "polling wasted per wakeup (us)",
                                 "added wakeup latency, mean (us)", series,
                                 note="idle=poll: nothing wasted by this measure, "
                                 "but all idle time polled"
                                 if "idle=poll" in policies else None))
    svg, message = plot.render(
        out_dir, "haltpoll-replay",
        "haltpoll replay: latency against wasted polling, a point per workload "
        "(%d of them; lower left is better)" % len({r["workload"] for r in res}),
        panels, cols=2, key_cell=True, panel_size=(560, 420))
    return [(svg, message, "mean added latency against polling wasted per wakeup, "
             "a panel per L, a point per workload and policy")]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    out_dir = sys.argv[1]
    with open(os.path.join(out_dir, "haltpoll-replay.json")) as f:
        doc = json.load(f)
    plots = plot.safe(plot_figures, doc, out_dir)
    for _, message, _ in plots:
        print("haltpoll-replay: " + message, file=sys.stderr)
    md = os.path.join(out_dir, "haltpoll-replay.md")
    try:
        with open(md) as f:
            text = f.read()
    except OSError:
        text = "# haltpoll replay\n"
    with open(md, "w") as f:
        f.write(with_note(text, plot.note(plots)))


if __name__ == "__main__":
    main()
