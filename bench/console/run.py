"""How fast the clerks' console answers, screen by screen, in a real browser (not part of `make test`).

Starts the suite as `make run` does (devtools Suite: SQLite, embedded NATS, the demo municipality), signs in with the
role picker in Debian's Chromium (headless, Playwright), and visits each main screen `--visits` times, in turn.
For each visit it reads the browser's Navigation Timing of the page (request start to load event end: the server's
answer, the page's parse, its stylesheet and script) and the server's own `Server-Timing: app` (the console's
time in the gateway, its API calls included). Prints, per screen: n, median and p95 of both, and the machine's load.

    .venv/bin/python bench/console/run.py --households 1000 --visits 40
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import re
import shutil
import socket
import statistics
import sys
import tempfile

from playwright.sync_api import sync_playwright

from nhi_devtools.suite import Suite


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def sign_in(page, role: str) -> None:
    page.goto("/console/login")
    page.get_by_label("職員番号").fill(f"bench-{role}")
    page.locator(f"input[name=role][value={role}]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="サインイン").click()


def screens(page) -> list[tuple[str, str]]:
    """The main screens, with real ids from the demo municipality (a person found by kana, their household)."""
    page.goto("/console/persons?name_kana=%E3%81%AA")  # な: a common first kana
    first = page.locator("table.list tbody tr td a").first.get_attribute("href")
    person_id = first.rsplit("/", 1)[-1]
    household = page.locator("table.list tbody tr td a[href*='/households/']").first.get_attribute("href")
    candidates = [
        ("search", "/console/"),
        ("search results", "/console/persons?name_kana=%E3%81%AA"),
        ("person", f"/console/persons/{person_id}"),
        ("household", household),
        ("intake", "/console/intake"),
        ("join form", f"/console/notifications/new?kind=join&household_id={household.rsplit('/', 1)[-1]}"),
        ("print queue", "/console/print-queue"),
        ("certificate returns", f"/console/certificate-returns?person_id={person_id}"),
        ("reports", "/console/reports"),
        ("inconsistencies", "/console/inconsistencies"),
        ("burden", f"/console/burden?household_id={household.rsplit('/', 1)[-1]}"),
        ("jobs", "/console/jobs"),
    ]
    found = []
    for name, url in candidates:
        response = page.goto(url)
        if response is not None and response.status == 200:
            found.append((name, url))
        else:
            print(f"  ({name}: {url} answered {response.status if response else '-'}; left out)", file=sys.stderr)
    return found


def measure(page, url: str) -> tuple[float, float | None]:
    response = page.goto(url)
    timing = page.evaluate(
        "() => { const n = performance.getEntriesByType('navigation')[0]; return n.loadEventEnd - n.requestStart; }"
    )
    server = response.headers.get("server-timing", "") if response else ""
    match = re.search(r"app;dur=([0-9.]+)", server)
    return float(timing), float(match.group(1)) if match else None


def main() -> int:
    from nhi_devtools.suite import exit_on_sigterm

    exit_on_sigterm()  # a killed run still stops what it started and drops what it created
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=1000, help="size of the demo municipality (make run's)")
    parser.add_argument("--visits", type=int, default=40, help="visits of each screen")
    parser.add_argument("--role", default="backoffice", help="the role signing in (backoffice sees most screens)")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian's chromium is needed (apt-get install chromium)", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-console-") as tmp:
        suite = Suite(var=pathlib.Path(tmp), gateway_port=free_port(), demo_households=args.households)
        suite.start(timeout=300)
        try:
            with sync_playwright() as driver:
                browser = driver.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox"])
                context = browser.new_context(viewport={"width": 1366, "height": 768}, base_url=suite.url)
                page = context.new_page()
                sign_in(page, args.role)
                chosen = screens(page)
                results: dict[str, dict[str, list[float]]] = {name: {"page": [], "app": []} for name, _ in chosen}
                for _round in range(args.visits):
                    for name, url in chosen:
                        total, app = measure(page, url)
                        results[name]["page"].append(total)
                        if app is not None:
                            results[name]["app"].append(app)
                browser.close()
        finally:
            suite.stop()
    load = os.getloadavg()
    print(f"households {args.households}, {args.visits} visits per screen, role {args.role}, load {load[0]:.2f}")
    print(f"{'screen':24} {'page p50':>9} {'page p95':>9} {'app p50':>8} {'app p95':>8}")
    summary = {}
    for name, values in results.items():
        page_ms, app_ms = values["page"], values["app"] or [float("nan")]
        summary[name] = {
            "n": len(page_ms),
            "page_p50_ms": round(statistics.median(page_ms), 1),
            "page_p95_ms": round(p95(page_ms), 1),
            "app_p50_ms": round(statistics.median(app_ms), 1),
            "app_p95_ms": round(p95(app_ms), 1),
        }
        row = summary[name]
        print(
            f"{name:24} {row['page_p50_ms']:9.1f} {row['page_p95_ms']:9.1f} {row['app_p50_ms']:8.1f} "
            f"{row['app_p95_ms']:8.1f}"
        )
    print(json.dumps({"households": args.households, "load_1min": load[0], "screens": summary}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
