"""browser.py — what the dashboard's browser checks share (dashboard.py,
dashboard_rates.py): Debian's headless chromium through chromium-driver and
python3-selenium, TAP-like checks, and waiting for the page.

A program that cannot have its browser here ends with "skipped: why" and
exit status 77 (selenium missing, chromium or its driver not starting).
"""
import sys
import time

try:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
except ImportError:
    print("skipped: python3-selenium is not installed")
    sys.exit(77)

_n = {"checks": 0, "fails": 0}


def check(what, ok):
    """one named assertion, printed "ok N - what" or "not ok N - what" """
    _n["checks"] += 1
    if not ok:
        _n["fails"] += 1
    print(("ok" if ok else "not ok"), _n["checks"], "-", what, flush=True)


def wait(fn, seconds):
    """fn() until it gives a true value or SECONDS pass (then once more)"""
    end = time.time() + seconds
    while time.time() < end:
        try:
            v = fn()
            if v:
                return v
        except Exception:  # the page may still be loading
            pass
        time.sleep(0.25)
    return fn()


def table_rows(drv, css):
    """the text of each cell of each row that css selects, read in one
    script: a live page that redraws its table between two WebDriver calls
    cannot leave a stale element half read"""
    return drv.execute_script(
        "return Array.from(document.querySelectorAll(arguments[0]),"
        " tr => Array.from(tr.querySelectorAll('td'), td => td.innerText.trim()))", css)


def chromium(console_log=False):
    """a headless chromium (1400x1100); console_log keeps the page's console"""
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
              "--window-size=1400,1100", "--no-first-run", "--disable-extensions"):
        opts.add_argument(a)
    if console_log:
        opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    try:
        return webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
    except Exception as e:  # no chromium, no driver, cannot start here
        print("skipped: headless chromium does not start:", str(e).splitlines()[0])
        sys.exit(77)


def finish():
    """the verdict: exit 1 when a check failed, else 0"""
    print("# %d checks, %d failed" % (_n["checks"], _n["fails"]))
    sys.exit(1 if _n["fails"] else 0)
