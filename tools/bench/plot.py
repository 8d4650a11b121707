# SPDX-License-Identifier: GPL-2.0
"""SVG plots for the benchmark reports, drawn by gnuplot (Debian package
gnuplot-nox; no Python plotting library).

A report describes a figure as panels of series and calls render(): it
writes OUT_DIR/NAME.dat (the numbers, one block per panel and series),
OUT_DIR/NAME.gp (the gnuplot script; `cd OUT_DIR && gnuplot NAME.gp`
draws it again) and runs gnuplot's svg terminal for OUT_DIR/NAME.svg.

A plot is never worth a failed benchmark: render() returns (svg file name
or None, message), None with the reason when gnuplot is missing or fails;
the report prints the message and says it in its table (note()).

Axes go logarithmic where their positive values span two decades or more;
a zero on a logarithmic axis is drawn at its low edge, whose tic reads 0.
"""
import math
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

GNUPLOT_PACKAGE = "gnuplot-nox"
TIMEOUT_S = 120

# one colour and point type per series name, the same in every panel of a figure
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
           "#8c564b", "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"]
# filled, then open and larger: two series on one spot both show
POINTS = [7, 5, 8, 12, 4, 6, 9, 13, 10, 1, 2, 3]
OPEN = {4, 6, 8, 10, 12, 1, 2, 3}


class Series:
    """NAME's rows in a panel. kind: "points" (x y), "errorbars" (x y ylow
    yhigh), "linespoints" (x y, in order), "hline" (one row: y), "bars"
    (one row per category: category index, height)."""

    def __init__(self, name, rows, kind="points"):
        self.name, self.kind = name, kind
        self.rows = [r for r in rows if all(isinstance(v, (int, float)) and math.isfinite(v)
                                            for v in r)]


class Panel:
    """One plot. categories: x tic labels for "bars" series (x = 0, 1, ...).
    logx, logy: True, False or None (decided from the data)."""

    def __init__(self, title, xlabel, ylabel, series, categories=None, logx=None, logy=None,
                 key=None, xmin=None, ymin=None, ymax=None, note=None):
        self.title, self.xlabel, self.ylabel = title, xlabel, ylabel
        self.series = [s for s in series if s.rows]
        self.categories = categories
        self.logx, self.logy = logx, logy
        self.key = key          # gnuplot key placement, e.g. "top left"; None: no key
        self.xmin, self.ymin, self.ymax = xmin, ymin, ymax
        self.note = note        # a line of text at the panel's lower right


def gp_string(s):
    """s as a gnuplot double-quoted string."""
    return '"' + str(s).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def number(v):
    return repr(float(v)) if isinstance(v, float) else str(v)


def find_gnuplot():
    return shutil.which("gnuplot")


def _values(panel, axis):
    """The values a panel draws on axis x or y."""
    out = []
    for s in panel.series:
        for r in s.rows:
            if s.kind == "hline":
                out += [r[0]] if axis == "y" else []
            elif s.kind == "bars":
                out += [r[1]] if axis == "y" else []
            elif axis == "x":
                out.append(r[0])
            else:
                out += list(r[1:])
    return out


def _axis(panel, axis, log, bars=False):
    """gnuplot commands for one axis: (commands, floor or None). floor: where
    a zero is drawn on a log axis, a little inside its low edge."""
    vals = _values(panel, axis)
    pos = [v for v in vals if v > 0]
    if log is None:
        log = bool(pos) and max(pos) / min(pos) >= 100
    if not log or not pos:
        lo = getattr(panel, axis + "min")
        hi = panel.ymax if axis == "y" else None
        if vals:
            vlo = 0 if min(vals) >= 0 else min(vals)
            span = (max(vals) - vlo) or 1
            if bars:    # from 0, room above for the legend and the values
                lo, hi = (0 if lo is None else lo), (vlo + 1.35 * span if hi is None else hi)
            else:       # no point on the frame
                lo = vlo - 0.04 * span if lo is None else lo
                hi = max(vals) + 0.08 * span if hi is None else hi
        rng = "set %srange [%s:%s]" % (axis, "" if lo is None else number(lo),
                                       "" if hi is None else number(hi))
        return ["unset logscale " + axis, rng], None
    top = 10 ** math.ceil(math.log10(max(pos) * 1.3))
    floor = None
    low = 10 ** math.floor(math.log10(min(pos)))
    if any(v <= 0 for v in vals):
        floor = low / 10
        low = floor / 2.5
    elif low * 1.3 > min(pos):
        low /= 2
    cmds = ["set logscale " + axis, "set %srange [%r:%r]" % (axis, low, top),
            "set format %s '%%g'" % axis]
    if floor is not None:
        cmds.append("set %stics add ('0' %r)" % (axis, floor))
    return cmds, floor


def _clamp(v, floor):
    return floor if floor is not None and v <= 0 else v


def render(out_dir, name, title, panels, cols=None, key_cell=False, panel_size=(480, 340)):
    """Draw the panels into OUT_DIR/NAME.svg. key_cell: one more cell, after
    the panels, holding the legend of every series of the figure.
    Returns (NAME.svg or None, message)."""
    panels = [p for p in panels if p.series]
    if not panels:
        return None, "%s.svg skipped: no data to plot" % name
    names = []
    for p in panels:
        for s in p.series:
            if s.kind != "hline" and s.name not in names:
                names.append(s.name)
    for p in panels:
        for s in p.series:
            if s.name not in names:
                names.append(s.name)
    style = {n: i for i, n in enumerate(names)}
    cells = len(panels) + (1 if key_cell else 0)
    cols = min(cols or 3, cells)
    rows = (cells + cols - 1) // cols
    width, height = panel_size[0] * cols, panel_size[1] * rows + 40

    blocks, script = [], [
        "# %s: drawn by tools/bench/plot.py; re-draw with: gnuplot %s.gp" % (name, name),
        "set terminal svg size %d,%d noenhanced font 'sans,12' background rgb 'white'"
        % (width, height),
        "set output %s" % gp_string(name + ".svg"),
        "data = %s" % gp_string(name + ".dat"),
        "set grid lc rgb '#dddddd'",
        "set multiplot layout %d,%d title %s font 'sans,15'" % (rows, cols, gp_string(title)),
    ]

    def sty(s, what):
        i = style[s.name]
        c = "lc rgb '%s'" % COLOURS[i % len(COLOURS)]
        if what == "points":
            pt = POINTS[i % len(POINTS)]
            return "%s pt %d ps %s lw 1.5" % (c, pt, "1.8" if pt in OPEN else "1.2")
        if what == "line":
            return "%s lw 2 dt %d" % (c, 2 + i % 3)
        return c

    for p in panels:
        script += ["", "# panel: " + p.title, "unset key", "unset label", "unset arrow",
                   "set border", "set tics", "set xtics autofreq norotate", "set ytics autofreq",
                   "unset format", "set title %s" % gp_string(p.title),
                   "set xlabel %s" % gp_string(p.xlabel), "set ylabel %s" % gp_string(p.ylabel)]
        if p.note:
            script.append("set label 1 %s at graph 0.98, graph 0.04 right font 'sans,9'"
                          % gp_string(p.note))
        if p.key:
            script.append("set key %s box opaque reverse Left samplen 2 spacing 1.1 font 'sans,10'" % p.key)
        if p.categories:
            script += ["unset logscale x", "set xrange [-0.6:%r]" % (len(p.categories) - 0.4),
                       "set xtics (%s) rotate by -30" % ", ".join(
                           "%s %d" % (gp_string(c), i) for i, c in enumerate(p.categories))]
            xfloor = None
        else:
            cmds, xfloor = _axis(p, "x", p.logx)
            script += cmds
        cmds, yfloor = _axis(p, "y", False if p.categories and p.logy is None else p.logy,
                             bars=bool(p.categories))
        script += cmds
        bars = [s for s in p.series if s.kind == "bars"]
        width_bar = 0.8 / max(1, len(bars))
        terms = []
        for s in p.series:
            idx = len(blocks)
            rows_out = []
            if s.kind == "bars":
                j = bars.index(s)
                off = (j - (len(bars) - 1) / 2) * width_bar
                rows_out = [(r[0] + off, _clamp(r[1], yfloor), width_bar) for r in s.rows]
                use = "using 1:2:3 with boxes fs solid 0.85 border lc rgb '#333333' " + sty(s, "c")
            elif s.kind == "hline":
                # across the panel: a horizontal line at y, its value in the legend
                y = _clamp(s.rows[0][0], yfloor)
                terms.append("%r with lines %s title %s" % (y, sty(s, "line"), gp_string(s.name)))
                continue
            elif s.kind == "errorbars":
                rows_out = [(_clamp(r[0], xfloor), _clamp(r[1], yfloor), _clamp(r[2], yfloor),
                             _clamp(r[3], yfloor)) for r in s.rows]
                use = "using 1:2:3:4 with yerrorbars " + sty(s, "points")
            else:
                rows_out = [(_clamp(r[0], xfloor), _clamp(r[1], yfloor)) for r in s.rows]
                use = "using 1:2 with %s %s" % (
                    "linespoints" if s.kind == "linespoints" else "points",
                    sty(s, "points"))
            blocks.append((p.title + ": " + s.name, rows_out))
            terms.append("data index %d %s title %s" % (idx, use, gp_string(s.name)))
            if s.kind == "bars":    # the value above each bar
                terms.append("data index %d using 1:2:(sprintf('%%.3g', $2)) with labels "
                             "offset 0,0.7 font 'sans,9' notitle" % idx)
        script.append("plot " + ", \\\n     ".join(terms))
    if key_cell:
        script += ["", "# the legend", "unset title", "unset label", "unset xlabel", "unset ylabel",
                   "unset logscale", "unset border", "unset tics", "unset grid",
                   "set xrange [0:1]", "set yrange [0:1]",
                   "set key center center box reverse Left samplen 2 spacing 1.3 font 'sans,12'"]
        terms = ["-1 with lines notitle"]   # off the range: keyentry alone trips gnuplot 5.4
        for n in names:
            s = next(s for p in panels for s in p.series if s.name == n)
            look = "with lines " + sty(s, "line") if s.kind == "hline" else \
                "with boxes fs solid 0.85 " + sty(s, "c") if s.kind == "bars" else \
                "with points " + sty(s, "points")
            terms.append("keyentry %s title %s" % (look, gp_string(n)))
        script.append("plot " + ", \\\n     ".join(terms))
    script += ["unset multiplot", ""]

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, name + ".dat"), "w") as f:
        for i, (what, rows_out) in enumerate(blocks):
            f.write("# index %d: %s\n" % (i, what))
            for r in rows_out:
                f.write(" ".join(number(v) for v in r) + "\n")
            f.write("\n\n")
    with open(os.path.join(out_dir, name + ".gp"), "w") as f:
        f.write("\n".join(script))
    svg = os.path.join(out_dir, name + ".svg")
    if os.path.exists(svg):
        os.remove(svg)          # no stale plot beside a new table
    gnuplot = find_gnuplot()
    if not gnuplot:
        return None, ("%s.svg skipped: gnuplot not found (install Debian's %s; the data and "
                      "script are in %s.dat and %s.gp)" % (name, GNUPLOT_PACKAGE, name, name))
    try:
        run = subprocess.run([gnuplot, name + ".gp"], cwd=out_dir, capture_output=True,
                             text=True, timeout=TIMEOUT_S)
    except (OSError, subprocess.SubprocessError) as e:
        return None, "%s.svg skipped: gnuplot did not run: %s" % (name, e)
    if run.returncode != 0 or not os.path.exists(svg):
        if os.path.exists(svg):
            os.remove(svg)      # half drawn
        err = " ".join(run.stderr.split())[-300:]
        return None, "%s.svg skipped: gnuplot failed (exit %d): %s" % (name, run.returncode, err)
    try:
        ET.parse(svg)
    except ET.ParseError as e:
        return None, "%s.svg skipped: gnuplot wrote malformed XML: %s" % (name, e)
    return name + ".svg", "wrote " + svg


def note(results, what=""):
    """Markdown lines for a table: a link to each SVG, or why it is missing.
    results: [(svg name or None, message, caption)]."""
    lines = []
    for svg, message, caption in results:
        if svg:
            lines.append("- [%s](%s): %s" % (svg, svg, caption))
        else:
            lines.append("- " + message)
    if not lines:
        return []
    return ["Plots%s:" % (" " + what if what else ""), ""] + lines + [""]


def safe(fn, *args):
    """fn(*args) -> [(svg, message, caption)], a plot bug reported, not raised:
    the benchmark's table matters more."""
    try:
        return fn(*args)
    except Exception as e:  # noqa: BLE001  (any bug in plotting)
        return [(None, "plotting failed: %s: %s" % (type(e).__name__, e), "")]
