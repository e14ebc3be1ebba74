#!/usr/bin/python3
"""dashboard.py — drive the live dashboard in Debian's headless chromium
(chromium-driver + python3-selenium) for tests/observe/dashboard.sh.

Usage: dashboard.py URL SCREENSHOT NAME...
  URL         the dashboard (admin_logs's /)
  SCREENSHOT  where the PNG goes
  NAME...     the managed containers that must each have a series

Prints TAP-like "ok N - ..." / "not ok N - ..." lines, one per check, and
exits 0 when all passed, 1 when one failed, 77 (after "skipped: why") when
chromium or its driver cannot start here.
"""
import json
import re
import sys
import urllib.request

from browser import check, chromium, finish, wait

url, shot, names = sys.argv[1], sys.argv[2], sys.argv[3:]


drv = chromium(console_log=True)

try:
    drv.set_page_load_timeout(30)
    drv.get(url)
    check("the page loads (title)", wait(lambda: "gestor" in drv.title, 10))
    check("Dygraph (Debian's libjs-dygraphs) is loaded from admin_logs",
          drv.execute_script("return typeof Dygraph === 'function'"))
    dash = ("const d = window.gestorDash; return {series: d.series, managed: d.managed, "
        "lastCycle: d.lastCycle, polls: d.polls}")
    have = wait(lambda: set(names) <= set(drv.execute_script(dash)["series"] or []), 60)
    d = drv.execute_script(dash)
    print("# series:", d["series"], "managed:", d["managed"], "cycle:", d["lastCycle"], flush=True)
    check("a series for each running managed container (%d)" % len(names), have)
    labels = drv.execute_script("return window.gestorDash.cpu ? window.gestorDash.cpu.getLabels() : []")
    check("the CPU chart draws those series", set(names) <= set(labels))
    mlabels = drv.execute_script("return window.gestorDash.mem ? window.gestorDash.mem.getLabels() : []")
    check("the memory chart draws those series", set(names) <= set(mlabels))
    order = d["series"]
    check("managed containers come first",
          all(order.index(n) < len(d["managed"]) for n in names if n in order))
    text = drv.find_element("tag name", "body").text
    check("the quota is shown", "keep " in drv.find_element("id", "st-quota").text)
    runs = json.load(urllib.request.urlopen(url.rstrip("/") + "/runs?limit=1000", timeout=10))
    hosts = sorted({r["host"] for r in runs["runs"] if r["host"]})
    check("the host list shows the hosts of GET /runs (%s)" % ", ".join(hosts),
          bool(hosts) and wait(lambda: drv.find_element("id", "st-hosts").text.split(", ") == hosts, 10))
    check("the metrics source is shown",
          drv.find_element("id", "st-source").text in ("module", "bpf", "procfs"))
    check("the latest decisions are listed",
          len(drv.find_elements("css selector", "#decisions tbody tr")) > 0)
    check("kept marks are shown (containers table)", "kept" in text)
    ann = drv.execute_script(
        "return window.gestorDash.cpu.annotations().map(a => a.series + ' ' + a.text)")
    print("# annotations:", ann, flush=True)
    check("a removed container has its ✕ mark on the chart",
          any(a.split(" ")[0] not in names and " removed in cycle" in a for a in ann))
    heads = [h.text for h in drv.find_elements("css selector", "#ctrs thead th")]
    check("the containers table has the rate columns (%s)" % ", ".join(heads),
          all(h in heads for h in ("net rx", "net tx", "disk read", "disk write")))
    # servicio's counters reach the table as rates: each cell a rate with its
    # unit or "–" (no counter); these containers have no network (--network
    # none) and their disk counters are read from the cgroup
    rate_re = re.compile(r"^(–|\d+ B/s|\d+\.\d (KiB|MiB|GiB|TiB)/s)$")
    cells = wait(lambda: [e.text for e in drv.find_elements("css selector", "#ctrs td[class*='rate-']")], 10)
    print("# rate cells:", cells, flush=True)
    check("every rate cell is a rate with its unit or – (%d cells)" % len(cells),
          bool(cells) and all(rate_re.match(t) for t in cells))
    # (two samples with the counters are needed: a cycle or two more)
    def disk_rates():
        r = drv.execute_script("return window.gestorDash.rates")
        return all(n in r and r[n]["read"] is not None for n in names)
    have = wait(disk_rates, 30)
    rd = drv.execute_script("return window.gestorDash.rates")
    print("# rates:", {n: rd.get(n) for n in names}, flush=True)
    check("the running managed containers have a disk read rate from their counters", bool(have))
    check("... and no network rate (no network)",
          all(n in rd and rd[n]["rx"] is None for n in names))
    c0 = d["lastCycle"]
    polls0 = d["polls"]
    c1 = wait(lambda: drv.execute_script(dash)["lastCycle"] > c0 and drv.execute_script(dash)["lastCycle"], 60)
    check("a new cycle shows without a reload (cycle %s -> %s)" % (c0, c1), bool(c1))
    check("the page was not reloaded (its poll count kept growing)",
          drv.execute_script(dash)["polls"] > polls0)
    n0 = drv.execute_script("return window.gestorDash.cpu.numRows()")
    check("the chart has one row per sample (%d rows)" % n0, n0 >= 2)
    drv.save_screenshot(shot)
    logs = drv.get_log("browser")
    bad = [e for e in logs if e.get("level") == "SEVERE"]
    for e in bad:
        print("# console:", e.get("message"), flush=True)
    check("no console errors (%d browser log entries)" % len(logs), not bad)
finally:
    drv.quit()
finish()
