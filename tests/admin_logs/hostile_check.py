#!/usr/bin/python3
"""hostile_check.py REPORT_DIR CANARY_DIR — after hostile.sh drew the report
of hostile_corpus.py's names: every name is in the CSVs (a formula-leading
one with the OWASP leading quote), in the SVG text (key and heatmap labels,
the SVG parsing as XML), in the HTML page as escaped text (no tag of a name
survives as a tag), and in the gnuplot scripts only inside single-quoted
strings; no CSV cell anywhere starts a formula; the scripts set no output
but their own. Prints one line per failure, "hostile ok: ..." at the end,
exits 1 on any failure. (Not a suite: run by hostile.sh.)
"""
import csv
import glob
import html.parser
import os
import re
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hostile_corpus as hc  # noqa: E402

rep, canary = sys.argv[1], sys.argv[2]
names = hc.names(canary)
shown = [hc.display(n) for n in names]
bad = []
NUM = re.compile(r"^-?[0-9.]+$")


def label(d):
    """A chart's label (graphs.c GRAPHS_LABEL_CHARS): the first 48 characters, then an ellipsis."""
    return d if len(d) <= 48 else d[:48] + "\u2026"


def gp_string(d):
    """graphs_text.h's gnuplot string: 'd', or the pieces between quotes joined with "'"."""
    if "'" not in d:
        return "'" + d + "'"
    return "(" + ".\"'\".".join("'" + p + "'" for p in d.split("'")) + ")"


def csv_cell(d):
    return "'" + d if d[:1] in ("=", "+", "-", "@", "\t", "\r") else d


# 1. the CSVs: the names, and no formula-leading cell anywhere
cells = 0
for path in sorted(glob.glob(os.path.join(rep, "*.csv"))):
    with open(path, newline="", encoding="utf-8") as f:
        for row in csv.reader(f):
            for cell in row:
                cells += 1
                if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not NUM.match(cell)):
                    bad.append("%s: formula-leading cell %r" % (os.path.basename(path), cell[:60]))
want = {csv_cell(d) for d in shown}
for chart in ("container_cpu", "container_mem"):
    with open(os.path.join(rep, chart + ".csv"), newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f))
    got = set(rows[0][2:])
    if got != want:
        bad.append("%s.csv header: missing %s, unexpected %s" % (chart, sorted(want - got)[:3], sorted(got - want)[:3]))
    with open(os.path.join(rep, chart + "_heatmap.csv"), newline="", encoding="utf-8") as f:
        heat = {r["container"] for r in csv.DictReader(f)}
    if heat != want:
        bad.append("%s_heatmap.csv: names differ: missing %s" % (chart, sorted(want - heat)[:3]))

# 2. the SVGs: valid XML whose text holds every name as drawn
for chart in ("container_cpu", "container_mem", "container_cpu_heatmap", "container_mem_heatmap"):
    path = os.path.join(rep, chart + ".svg")
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as e:
        bad.append("%s.svg is not XML: %s" % (chart, e))
        continue
    texts = {"".join(t.itertext()) for t in root.iter() if t.tag.endswith("}text") or t.tag == "text"}
    miss = [d for d in shown if label(d) not in texts]
    if miss:
        bad.append("%s.svg: %d names not drawn as text, e.g. %r" % (chart, len(miss), miss[0][:60]))


# 3. index.html: names as text of the containers list, the host in the runs list, no tag from a name
class Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags, self.ctr, self.li, self.depth, self.foreign = [], [], [], None, []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        if tag == "script" or any(k.startswith("on") for k, v in attrs):
            self.foreign.append(tag)
        if tag == "span" and ("class", "ctr") in attrs:
            self.ctr.append("")
            self.depth = "ctr"
        elif tag == "li":
            self.li.append("")
            self.depth = "li"

    def handle_endtag(self, tag):
        if tag in ("span", "li"):
            self.depth = None if tag == "span" or self.depth == "li" else self.depth

    def handle_data(self, data):
        if self.depth == "ctr":
            self.ctr[-1] += data
        if self.li and self.depth in ("li", "ctr"):
            self.li[-1] += data


p = Page()
with open(os.path.join(rep, "index.html"), encoding="utf-8") as f:
    page = f.read()
p.feed(page)
for tag in p.foreign:
    bad.append("index.html: a <%s> tag (a script or an on... handler) came from a name" % tag)
if len(p.ctr) != 2:
    bad.append("index.html: %d container lists, 2 expected" % len(p.ctr))
for i, text in enumerate(p.ctr):
    miss = [d for d in shown if d not in text]
    if miss:
        bad.append("index.html list %d: %d names missing, e.g. %r" % (i, len(miss), miss[0][:60]))
if not any(hc.display(hc.host(canary)) in li for li in p.li):
    bad.append("index.html: the host is not in the runs list as text")

# 4. the gnuplot scripts: names only in single quotes, no output but the chart's own
for path in sorted(glob.glob(os.path.join(rep, "*.gp"))):
    chart = os.path.basename(path)[:-3]
    with open(path, encoding="utf-8") as f:
        gp = f.read()
    for line in gp.split("\n"):
        if line.startswith("set output") and line not in (
                "set output", 'set output "%s.png"' % chart, 'set output "%s.svg"' % chart):
            bad.append("%s: a foreign %r" % (os.path.basename(path), line[:60]))
        if line.lstrip().startswith(("!", "system", "`", "shell", "load", "call")):
            bad.append("%s: a command line %r" % (os.path.basename(path), line[:60]))
    if chart in ("container_cpu", "container_mem", "container_cpu_heatmap", "container_mem_heatmap"):
        for d in shown:
            if gp_string(label(d)) not in gp:
                bad.append("%s: %r is not a single-quoted string" % (os.path.basename(path), d[:60]))

left = os.listdir(canary)
if left:
    bad.append("something ran: %s appeared in %s" % (left, canary))
for b in bad[:40]:
    print(b)
if bad:
    sys.exit(1)
print("hostile ok: %d names in the CSVs, SVGs, page and scripts; %d CSV cells checked" % (len(names), cells))
