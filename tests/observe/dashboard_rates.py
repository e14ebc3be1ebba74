#!/usr/bin/python3
"""dashboard_rates.py — the dashboard's rate columns in Debian's headless
chromium, for tests/observe/dashboard.sh: against an admin_logs of its own,
it posts three sample records two seconds apart whose container counters
it chose and a fourth that carries none (a cycle between two reads of
servicio's --counters-interval), then reads the containers table: the
rates the page computes from the last two samples that carry the
counters, their units, "–" where a counter is missing (an
older servicio's record), went back (a restart) or the container has no
network, and a hostile container name shown as text.

Usage: dashboard_rates.py URL
Prints "ok N - ..." lines (tests/observe/browser.py); exits 0, 1 (a check failed) or 77 (no chromium).
"""
import json
import sys
import time
import urllib.request

from browser import check, chromium, finish, table_rows, wait

url = sys.argv[1].rstrip("/") + "/"
MIB = 1048576
HOSTILE = '<img src=x onerror="window.pwned=1">'


def ctr(name, **counters):
    c = {"id": name, "name": name, "class": "low", "label_class": "low", "cpu_pct": 1.0,
         "rss_kb": 100, "mem_kb": 100, "mem_limit_pct": 0.1, "procs": 1}
    c.update(counters)
    return c


# counters per cycle: net rx +1 MiB then +2 MiB, tx +1000 per 2 s, read flat,
# write going back (a restart); "old" has none (an older servicio); "lo"
# has disk counters only (no network); the fourth cycle read none
t0 = time.time_ns() - 8 * 10**9
recs = []
for k, cnt in enumerate([(0, 0, 4096, 900), (MIB, 1000, 4096, 1000), (3 * MIB, 2000, 4096, 10), None]):
    if cnt is None:
        cs = [ctr("io-a"), ctr("io-old"), ctr(HOSTILE)]
    else:
        rx, tx, rd, wr = cnt
        cs = [ctr("io-a", net_rx_bytes=rx, net_tx_bytes=tx, blk_read_bytes=rd, blk_write_bytes=wr),
              ctr("io-old"),
              ctr(HOSTILE, blk_read_bytes=rd * (k + 1), blk_write_bytes=0)]
    recs.append({"type": "sample", "ts_ns": t0 + k * 2 * 10**9, "cycle": k + 1, "source": "procfs",
                 "memory": {"total_kb": 1000, "used_kb": 500, "available_kb": 500}, "cpu_pct": 1.0,
                 "containers": cs})
body = json.dumps({"batch_id": "rates-1", "host": "rates", "records": recs}).encode()
req = urllib.request.Request(url + "logs", data=body, method="POST",
                             headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=20) as r:
    check("the four samples are stored (POST /logs -> %d)" % r.status, r.status == 201)

drv = chromium(console_log=False)

try:
    drv.set_page_load_timeout(30)
    drv.get(url)
    check("the page shows the last sample (cycle 4, without counters)",
          wait(lambda: drv.execute_script("return window.gestorDash.lastCycle") == 4, 30))

    def row(name):
        # the table is redrawn live: read in one script, not cell by cell
        for tds in table_rows(drv, "#ctrs tbody tr"):
            if tds and tds[0] == name:
                return tds
        return None

    heads = [h.text for h in drv.find_elements("css selector", "#ctrs thead th")]
    col = {h: i for i, h in enumerate(heads)}
    a = wait(lambda: row("io-a"), 10)
    print("# heads:", heads, "io-a:", a, flush=True)
    rates = drv.execute_script("return window.gestorDash.rates")
    check("io-a: net rx is (3 MiB - 1 MiB) / 2 s = 1 MiB/s, from cycles 2 and 3 (%s)" % rates.get("io-a"),
          rates["io-a"]["rx"] == MIB and a[col["net rx"]] == "1.0 MiB/s")
    check("io-a: net tx is 1000 B / 2 s, shown as 500 B/s (%s)" % a[col["net tx"]],
          rates["io-a"]["tx"] == 500 and a[col["net tx"]] == "500 B/s")
    check("io-a: a flat read counter is 0 B/s (%s)" % a[col["disk read"]], a[col["disk read"]] == "0 B/s")
    check("io-a: a write counter that went back (a restart) is – (%s)" % a[col["disk write"]],
          a[col["disk write"]] == "–")
    old = row("io-old")
    check("io-old (a record without counters): every rate is – (%s)" % old,
          old is not None and all(old[col[h]] == "–" for h in ("net rx", "net tx", "disk read", "disk write")))
    h = row(HOSTILE)
    check("the hostile name is shown as text, its disk read 2 KiB/s, no network (%s)" % h,
          h is not None and h[col["disk read"]] == "2.0 KiB/s" and h[col["net rx"]] == "–")
    check("... and not run as HTML (no img element, window.pwned unset)",
          not drv.find_elements("css selector", "#ctrs img") and
          drv.execute_script("return window.pwned === undefined"))
finally:
    drv.quit()
finish()
