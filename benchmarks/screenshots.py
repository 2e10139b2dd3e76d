"""Screenshots of what a person sees: the dashboard and a contract report, in headless Chromium.

    .venv/bin/python benchmarks/screenshots.py [--input sample_contracts] [--out out/screenshots]
                                               [--as-of 2026-11-27] [--report msa_northwind.pdf]
    .venv/bin/python benchmarks/screenshots.py --input ../shared/cuad/dev/contracts --run-dir out/cuad-dash \\
                                               --out out/cuad-shots --time-only   # load time, no pictures

Runs `pactwatch run` on the input into OUT/run, then opens the pages from file:// in Chromium
(Debian's /usr/bin/chromium, driven by Playwright) and writes PNGs into OUT:

    dashboard.png          the whole dashboard
    report-top.png         the top of the report: summary, timeline, compliance checklist
    report-checklists.png  the compliance and risk checklists
    report-evidence.png    after clicking a quote's page link: its clause highlighted in the text
    report-print.pdf       the report as printed (A4)

and prints how long the dashboard takes to load (navigation start to the load event).
"""

from __future__ import annotations

import argparse
import datetime as dt
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def run_pactwatch(inputs: Path, out: Path, as_of: str) -> None:
    command = [sys.executable, "-m", "pipeline.cli", "run", str(inputs), "--out", str(out), "--as-of", as_of,
               "--no-progress"]
    started = time.perf_counter()
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    print(f"pactwatch run: exit {result.returncode} in {time.perf_counter() - started:.1f} s")
    if result.returncode not in (0, 1):
        sys.exit(result.stderr)


def load_time(page, url: str) -> float:
    """Seconds from navigation start to the load event, as the browser measured it."""
    page.goto(url, wait_until="load")
    timing = page.evaluate("() => { const t = performance.getEntriesByType('navigation')[0];"
                           " return [t.startTime, t.loadEventEnd]; }")
    return (timing[1] - timing[0]) / 1000


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--input", type=Path, default=ROOT / "sample_contracts")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "screenshots")
    ap.add_argument("--as-of", default="2026-11-27")
    ap.add_argument("--report", default="msa_northwind.pdf", help="the input file whose report to picture")
    ap.add_argument("--time-only", action="store_true", help="measure the dashboard's load time only")
    ap.add_argument("--no-run", action="store_true", help="use the run folder as it is")
    ap.add_argument("--run-dir", type=Path, help="where pactwatch writes (default: OUT/run)")
    args = ap.parse_args()

    from playwright.sync_api import sync_playwright

    out = args.out.resolve()
    run_dir = (args.run_dir or out / "run").resolve()
    out.mkdir(parents=True, exist_ok=True)
    if not args.no_run:
        run_pactwatch(args.input.resolve(), run_dir, args.as_of)
    index = run_dir / "index.html"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1360, "height": 900})
        errors: list[str] = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        times = [load_time(page, index.as_uri()) for _ in range(3)]
        rows = page.locator("#contracts-table tbody tr").count()
        print(f"dashboard: {rows} contracts, load event after {min(times):.2f} s (best of 3; "
              f"{', '.join(f'{t:.2f}' for t in times)}), {index.stat().st_size / 1e6:.1f} MB")
        started = time.perf_counter()
        page.locator("#contracts-table thead button").first.click()
        page.fill("#filter-contracts-table", "agreement")
        print(f"dashboard: sort + filter of {rows} rows in {time.perf_counter() - started:.2f} s")
        if not args.time_only:
            page.screenshot(path=str(out / "dashboard.png"), full_page=True)
            report = next(run_dir.rglob(f"{args.report}.html"))
            page.goto(report.as_uri(), wait_until="load")
            page.screenshot(path=str(out / "report-top.png"), full_page=False)
            page.locator("#compliance").scroll_into_view_if_needed()
            page.evaluate("document.getElementById('compliance').scrollIntoView()")
            page.screenshot(path=str(out / "report-checklists.png"), full_page=False)
            page.locator("#deadlines-table a.ev-link").first.click()
            page.wait_for_timeout(200)
            page.screenshot(path=str(out / "report-evidence.png"), full_page=False)
            page.pdf(path=str(out / "report-print.pdf"), format="A4", print_background=True)
        if errors:
            print("console errors:", *errors, sep="\n  ")
        browser.close()
    print(f"wrote {out} ({dt.datetime.now():%H:%M:%S})")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
