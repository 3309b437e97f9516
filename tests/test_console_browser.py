"""The clerks' console in a real browser: Debian's Chromium, headless, driven by Playwright, against the real suite.

Each test does what a clerk does, by keyboard and mouse, at the counter PC's 1366×768. The main screens are
checked with axe-core (no serious or critical violation), photographed into docs/console/screenshots/ (linked from
the README), and timed: every navigation's duration is kept per screen and written, with the p95 of each screen, to
`console-timings.json` in the test's temporary directory and printed (the figures for the closing note; no timing
is asserted here — see bench/console for the measurement)."""

from __future__ import annotations

import concurrent.futures
import hashlib
import json
import os
import pathlib
import re
import shutil
import statistics
import time

import pytest
from support import move_in

playwright = pytest.importorskip("playwright.sync_api")

ROOT = pathlib.Path(__file__).resolve().parents[1]
VENDOR = ROOT / "tests" / "browser_vendor"
AXE = VENDOR / "axe-4.11.0.min.js"
HTMX = ROOT / "gateway" / "src" / "nhi_gateway" / "console" / "static" / "htmx-2.0.8.min.js"
SCREENSHOTS = ROOT / "docs" / "console" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VIEWPORT = {"width": 1366, "height": 768}
SERIOUS = {"serious", "critical"}

if CHROMIUM is None:
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs Debian's chromium for the console's browser tests (.ci/run installs it)")
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)


class Timings:
    """Each screen's navigation times (ms), from the request to the page's load event."""

    def __init__(self) -> None:
        self.by_screen: dict[str, list[float]] = {}

    def add(self, screen: str, ms: float) -> None:
        self.by_screen.setdefault(screen, []).append(ms)

    def summary(self) -> dict[str, dict[str, float]]:
        out = {}
        for screen, values in sorted(self.by_screen.items()):
            ordered = sorted(values)
            p95 = ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]
            out[screen] = {"n": len(values), "median_ms": round(statistics.median(values), 1), "p95_ms": round(p95, 1)}
        return out


@pytest.fixture(scope="module")
def timings(tmp_path_factory):
    found = Timings()
    yield found
    summary = found.summary()
    (tmp_path_factory.mktemp("console") / "console-timings.json").write_text(json.dumps(summary, indent=2))
    print("\nconsole screens (ms):", json.dumps(summary, ensure_ascii=False))


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        yield launched
        launched.close()


@pytest.fixture()
def page(browser, running):
    # bypass_csp lets the test inject axe-core; the console's own pages never need it (its CSP is checked below).
    context = browser.new_context(viewport=VIEWPORT, locale="ja-JP", base_url=running.suite.url, bypass_csp=True)
    context.set_default_timeout(20_000)
    opened = context.new_page()
    yield opened
    context.close()


def go(page, timings: Timings, screen: str, url: str):
    started = time.perf_counter()
    response = page.goto(url)
    timings.add(screen, (time.perf_counter() - started) * 1000)
    return response


def timed_click(page, timings: Timings, screen: str, locator) -> None:
    started = time.perf_counter()
    with page.expect_navigation():
        locator.click()
    timings.add(screen, (time.perf_counter() - started) * 1000)


def sign_in(page, timings: Timings, role: str, *, operator: str = "clerk-01", scopes: tuple[str, ...] = ()) -> None:
    go(page, timings, "sign-in", "/console/")
    assert "/console/login" in page.url  # not signed in yet: led to the sign-in page
    page.get_by_label("職員番号").fill(operator)
    page.locator(f"input[name=role][value={role}]").check()
    for scope in scopes:
        page.locator(f"input[name=scope][value='{scope}']").check()
    timed_click(page, timings, "sign-in", page.get_by_role("button", name="サインイン"))
    assert page.url.endswith("/console/")


def check_accessibility(page, screen: str) -> None:
    """axe-core in the page: no serious or critical violation."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in SERIOUS
    ]
    assert not bad, f"{screen}: " + "; ".join(bad)


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)


def hiragana(katakana: str) -> str:
    return "".join(chr(ord(c) - 0x60) if "ァ" <= c <= "ヶ" else c for c in katakana)


# ---------------------------------------------------------------------------------------------------------------


def test_the_vendored_scripts_are_the_pinned_releases():
    """htmx (served by the console) and axe-core (used here) are exactly the files their READMEs pin."""
    listed = (VENDOR / "README.md").read_text()
    for path in (AXE, HTMX):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        assert f"`{path.relative_to(ROOT)}`: `{digest}`" in listed, path.name
    assert (HTMX.parent / "htmx-2.0.8.LICENSE.txt").exists() and (VENDOR / "axe-4.11.0.LICENSE.txt").exists()


def test_a_clerk_signs_in_and_finds_a_person_by_hiragana(page, running, timings):
    moved = move_in(running, members=2, event_date="2026-11-20", seed=1301)
    person = running.http.get(f"/api/v1/persons/{moved['person_ids'][0]}", headers=running.headers("counter")).json()
    sign_in(page, timings, "counter")
    check_accessibility(page, "search")
    screenshot(page, "01-search")

    # The clerk types the name in hiragana, as it is said at the counter, and the birth date in 和暦.
    page.get_by_label("カナ氏名").fill(hiragana(person["name_kana"].replace("　", "")))
    timed_click(page, timings, "search results", page.get_by_role("button", name="検索"))
    row = page.locator("table.list tbody tr", has=page.get_by_role("link", name=person["person_id"]))
    assert row.count() == 1
    assert person["name_kanji"] in row.inner_text()
    check_accessibility(page, "search results")
    screenshot(page, "02-search-results")

    timed_click(page, timings, "person", row.get_by_role("link", name=person["person_id"]))
    assert page.get_by_role("heading", level=1).inner_text().startswith(person["name_kanji"])
    assert "加入していません" in page.locator(".status-line").inner_text()  # moved in, not joined yet
    check_accessibility(page, "person")
    screenshot(page, "03-person")

    timed_click(page, timings, "household", page.get_by_role("link", name=person["household_id"]).first)
    members = page.locator("table.list tbody tr")
    assert members.count() == len(moved["person_ids"])
    check_accessibility(page, "household")

    go(page, timings, "intake", "/console/intake")
    assert page.get_by_role("link", name=moved["household_id"]).count() >= 1  # the 転入 waits at the counter
    check_accessibility(page, "intake")
    screenshot(page, "04-intake")


def test_a_wrong_date_is_shown_next_to_its_field_and_wareki_is_understood(page, running, timings):
    sign_in(page, timings, "counter")
    page.get_by_label("生年月日").fill("R8.2.30")
    page.get_by_role("button", name="検索").click()
    field = page.get_by_label("生年月日")
    assert field.get_attribute("aria-invalid") == "true"
    described = field.get_attribute("aria-describedby")
    assert "存在しない日付" in page.locator(f"#{described.split()[-1]}").inner_text()

    # A date typed in 和暦 is searched as the ISO date the API takes.
    person = running.http.get("/api/v1/persons", params={"name_kana": "ナ"}, headers=running.headers("counter"))
    someone = person.json()["persons"][0]
    year, month, day = (int(x) for x in someone["birth_date"].split("-"))
    era = ("S", year - 1925) if year < 1989 else ("H", year - 1988) if year < 2019 else ("R", year - 2018)
    page.get_by_label("生年月日").fill(f"{era[0]}{era[1]}.{month}.{day}")
    page.get_by_label("カナ氏名").fill(someone["name_kana"])
    page.get_by_role("button", name="検索").click()
    assert page.get_by_role("link", name=someone["person_id"]).count() == 1


def test_a_form_posted_without_its_csrf_token_is_refused(page, running, timings):
    sign_in(page, timings, "counter")
    # The same browser, its session cookie sent, but no CSRF token: refused, and nothing changes.
    refused = page.request.post("/console/purpose", form={"purpose": "改ざん", "next": "/console/"}, max_redirects=0)
    assert refused.status == 403
    assert "CSRF" in refused.text()
    go(page, timings, "search", "/console/")
    assert page.get_by_label("利用目的").input_value() == ""
    # With the page's own token, the same change is taken.
    page.get_by_label("利用目的").fill("窓口での届出受付")
    page.get_by_role("button", name="設定").click()
    assert page.get_by_label("利用目的").input_value() == "窓口での届出受付"


def test_every_console_page_carries_a_strict_policy_and_a_safe_cookie(page, running, timings):
    sign_in(page, timings, "counter")
    response = go(page, timings, "search", "/console/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
    cookie = next(c for c in page.context.cookies() if c["name"] == "nhi_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    # Keyboard only: the first Tab reaches the skip link, which leads to the page's main content.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "本文へ移動"


def test_signing_out_ends_the_session(page, running, timings):
    sign_in(page, timings, "backoffice")
    page.get_by_role("button", name="サインアウト").click()
    go(page, timings, "sign-in", "/console/")
    assert "/console/login" in page.url
    assert re.search(r"サインイン", page.title())


def test_my_number_is_masked_until_revealed_for_a_purpose_and_the_view_is_audited(page, running, timings):
    moved = move_in(running, members=1, event_date="2026-11-19", seed=1302)
    person_id = moved["person_ids"][0]
    sign_in(page, timings, "counter", operator="clerk-mn", scopes=("mynumber:read",))
    go(page, timings, "person", f"/console/persons/{person_id}")
    # The scope reads My Numbers, so the API asks why: the console says how to give the purpose.
    assert "利用目的の入力が必要です" in page.get_by_role("heading", level=1).inner_text()
    page.get_by_label("利用目的").fill("窓口での本人確認")
    page.get_by_role("button", name="設定").click()
    go(page, timings, "person", f"/console/persons/{person_id}")
    shown = page.locator("dt:has-text('個人番号') + dd").inner_text()
    assert re.match(r"^\*{8}\d{4}", shown)  # masked on the screen until the clerk asks
    page.get_by_role("link", name=re.compile("表示")).click()
    revealed = page.locator(".mynumber").inner_text()
    assert re.fullmatch(r"\d{12}", revealed) and revealed.endswith(shown[8:12])

    events = running.http.get(
        "/api/v1/audit-events",
        params={"operator_id": "clerk-mn", "target_id": person_id},
        headers=running.headers("auditor"),
    ).json()["events"]
    unmasked = [e for e in events if e["action"] == "mynumber.read"]
    assert unmasked and all(e["purpose"] == "窓口での本人確認" for e in unmasked)


def test_without_the_scope_my_number_stays_masked_and_cannot_be_revealed(page, running, timings):
    moved = move_in(running, members=1, event_date="2026-11-18", seed=1303)
    person_id = moved["person_ids"][0]
    sign_in(page, timings, "counter", operator="clerk-plain")
    go(page, timings, "person", f"/console/persons/{person_id}?reveal=mynumber")
    shown = page.locator("dt:has-text('個人番号') + dd").inner_text()
    assert shown.startswith("********") and page.locator(".mynumber").count() == 0
    assert page.get_by_label("個人番号").count() == 0  # no search by My Number without the scope


def test_a_dv_households_address_is_shown_only_to_a_clerk_allowed_to_see_it(page, running, timings):
    from test_dv_everywhere import household_at, join, register_dv

    address = {"postal_code": "399-0199", "address_code": "99999006099", "address": "みどり市試験町9番9号"}
    # The registry's message is published with asyncio, which cannot run inside Playwright's loop: in a thread.
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        household = pool.submit(household_at, running, {**address, "building": ""}, ["1990-04-01", "2015-06-01"])
        household = household.result()
    join(running, household, household["person_ids"])
    register_dv(running, household, household["person_ids"][0], "2026-11-01")

    sign_in(page, timings, "counter", operator="clerk-dv")
    go(page, timings, "household", f"/console/households/{household['household_id']}")
    assert address["address"] not in page.content()
    assert "表示できません" in page.locator("dt:has-text('住所') + dd").inner_text()
    assert page.locator(".tag.dv").count() >= 1  # the clerk sees why
    check_accessibility(page, "household (DV)")
    screenshot(page, "05-household-dv-withheld")

    page.get_by_role("button", name="サインアウト").click()
    sign_in(page, timings, "counter", operator="clerk-dv2", scopes=("dv:read",))
    page.get_by_label("利用目的").fill("支援措置対象者の届出受付")
    page.get_by_role("button", name="設定").click()
    go(page, timings, "household", f"/console/households/{household['household_id']}")
    assert address["address"] in page.locator("dt:has-text('住所') + dd").inner_text()


def test_a_clerk_previews_and_registers_a_join_prints_the_certificate_and_sees_it_in_the_ledger(page, running, timings):
    moved = move_in(running, members=2, event_date="2026-11-20", seed=1304)
    person = running.http.get(f"/api/v1/persons/{moved['person_ids'][0]}", headers=running.headers("counter")).json()
    sign_in(page, timings, "counter", operator="clerk-join")

    page.get_by_label("カナ氏名").fill(hiragana(person["name_kana"]))
    timed_click(page, timings, "search results", page.get_by_role("button", name="検索"))
    timed_click(page, timings, "person", page.get_by_role("link", name=person["person_id"]))
    timed_click(page, timings, "join form", page.get_by_role("link", name="資格取得の届出"))
    assert page.locator(f"#p-{person['person_id']}").is_checked()  # the person the clerk came from
    page.get_by_label("異動事由").select_option("move_in")
    page.get_by_label("異動日").fill("R8.11.20")
    page.get_by_label("確認に使った書類").select_option("my_number_card")
    check_accessibility(page, "join form")
    screenshot(page, "06-join-form")

    # The decision before it is stored: dates, rule ids with their facts, the certificate to issue.
    timed_click(page, timings, "join preview", page.locator("#preview"))
    assert page.locator("#not-stored").is_visible()
    preview = page.locator("main").inner_text()
    assert "ACQ-MOVE-IN" in preview and "CERT-KIND" in preview and "NOTIFY-14" in preview
    assert "令和8年11月20日（2026-11-20）" in preview and "資格確認書" in preview
    qualification = running.http.get(
        f"/api/v1/persons/{person['person_id']}/qualification", headers=running.headers("counter")
    ).json()
    assert qualification["insured"] is False  # a preview stores nothing
    check_accessibility(page, "join preview")
    screenshot(page, "07-join-preview")

    timed_click(page, timings, "join registered", page.locator("#register"))
    assert page.locator("#registered").is_visible() and page.locator("#change-id").inner_text()
    timed_click(page, timings, "print queue", page.locator("#to-print-queue"))
    go(page, timings, "print queue", f"/console/print-queue?person_id={person['person_id']}")
    check_accessibility(page, "print queue")
    screenshot(page, "08-print-queue")
    row = page.locator("#print-items tr", has_text="資格確認書").first
    timed_click(page, timings, "print", row.locator("button.print"))
    pdf_link = page.locator("#open-pdf")
    pdf = page.request.get(pdf_link.get_attribute("href"))
    assert pdf.headers["content-type"].startswith("application/pdf") and pdf.body().startswith(b"%PDF")
    assert pdf.headers["content-disposition"].startswith("inline")
    timed_click(page, timings, "print queue", page.locator("#mark-printed"))

    go(page, timings, "person", f"/console/persons/{person['person_id']}")
    assert "加入中" in page.locator(".status-line").inner_text()
    ledger = page.locator("section[aria-labelledby=h-certs] table.list tbody")
    assert "資格確認書" in ledger.inner_text() and "交付済" in ledger.inner_text()
    screenshot(page, "09-person-insured")


def test_a_back_office_user_runs_the_age_75_job_and_watches_it_finish(page, running, timings):
    from test_dv_everywhere import household_at, join

    # An insured person who turns 75 in December 2026 (born 1951-12-10): the job's work for that month.
    address = {
        "postal_code": "399-0198",
        "address_code": "99999006098",
        "address": "みどり市試験町8番8号",
        "building": "",
    }
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        household = pool.submit(household_at, running, address, ["1951-12-10"]).result()
    join(running, household, household["person_ids"])
    sign_in(page, timings, "backoffice", operator="bo-01")
    go(page, timings, "jobs", "/console/jobs")
    page.get_by_label("処理の種類").select_option("age75_loss")
    page.get_by_label("対象月").fill("R8.12")
    check_accessibility(page, "jobs")
    timed_click(page, timings, "job", page.locator("#start-job"))
    # htmx polls the job's progress under the strict CSP until it ends; the page itself is not reloaded.
    page.wait_for_function(
        "() => ['正常終了', '異常終了'].some(s => document.querySelector('#job-state').textContent.includes(s))",
        timeout=120_000,
    )
    assert "正常終了" in page.locator("#job-state").inner_text()
    progress = page.locator("#job-progress")
    assert int(progress.get_attribute("max")) >= 1
    assert progress.get_attribute("value") == progress.get_attribute("max")
    assert household["person_ids"][0] in page.locator("#job-results").inner_text()
    check_accessibility(page, "job")
    screenshot(page, "10-job-finished")


def test_the_counter_is_refused_the_audit_log(page, running, timings):
    sign_in(page, timings, "counter", operator="clerk-audit")
    assert page.get_by_role("link", name="監査ログ").count() == 0  # not offered to the counter
    response = go(page, timings, "audit", "/console/audit")
    assert response.status == 403
    assert "監査・管理者" in page.locator("main").inner_text()

    page.get_by_role("button", name="サインアウト").click()
    sign_in(page, timings, "auditor", operator="auditor-01")
    timed_click(page, timings, "audit", page.get_by_role("link", name="監査ログ"))
    assert page.locator("table.list tbody tr").count() >= 1
    check_accessibility(page, "audit")
    screenshot(page, "11-audit")


def tab_to(page, predicate: str, *, limit: int = 60) -> None:
    """Press Tab until the focused element matches `predicate` (a JS expression over `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(() => {{ const el = document.activeElement; return !!({predicate}); }})()"):
            return
    raise AssertionError(f"Tab never reached {predicate}")


def test_a_join_can_be_done_by_keyboard_alone(page, running, timings):
    moved = move_in(running, members=1, event_date="2026-11-21", seed=1305)
    person_id = moved["person_ids"][0]
    sign_in(page, timings, "counter", operator="clerk-kbd")
    go(page, timings, "join form", f"/console/notifications/new?kind=join&household_id={moved['household_id']}")

    tab_to(page, "el.name === 'reason'")
    page.keyboard.press("Home")  # 転入, the first reason of a join
    tab_to(page, "el.name === 'event_date'")
    page.keyboard.type("R8.11.21")
    tab_to(page, f"el.id === 'p-{person_id}'")
    page.keyboard.press("Space")  # tick the person
    tab_to(page, "el.name === 'identity_check.document_kind'")
    page.keyboard.press("ArrowDown")  # マイナンバーカード, the first document after 選んでください
    tab_to(page, "el.id === 'preview'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#not-stored").is_visible() and "ACQ-MOVE-IN" in page.locator("main").inner_text()

    tab_to(page, "el.id === 'register'")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.locator("#registered").is_visible()
    qualification = running.http.get(
        f"/api/v1/persons/{person_id}/qualification", headers=running.headers("counter")
    ).json()
    assert qualification["insured"] is True and qualification["period"]["acquired_on"] == "2026-11-21"
