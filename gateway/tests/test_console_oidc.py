"""The console's production sign-in: the authorization code flow with PKCE against a local OpenID Connect provider
(oidc_provider.TestProvider, real HTTP in a thread). The browser is the gateway's test client with its cookie jar;
it follows the gateway's redirect to the provider over real HTTP and comes back with what the provider answered.
The gateway talks to the provider over real HTTP too (discovery, token endpoint, JWKS) and takes only its tokens."""

from __future__ import annotations

import copy
import logging
import re
import socket
import threading
import time
import urllib.parse

import httpx
import pytest
import uvicorn
from oidc_provider import CLIENT_ID, TestProvider, s256

SESSION_SECRET = "console-session-secret-" + "y" * 32


@pytest.fixture(scope="module")
def provider():
    provider = TestProvider()
    provider.default_users = copy.deepcopy(provider.users)
    yield provider
    provider.close()


@pytest.fixture(scope="module")
def console_app(provider, app_with):
    """The gateway taking the provider's tokens only (no local secret, no role picker), the console its client."""
    return app_with(
        jwt_secret=None,
        oidc_issuer=provider.issuer,
        console_oidc_client_id=CLIENT_ID,
        console_session_secret=SESSION_SECRET,
    )


@pytest.fixture
def browser(console_app, provider, backends):
    provider.user, provider.deny, provider.id_token_claims = "clerk-07", False, {}
    provider.cut_token_answers = False
    provider.access_ttl, provider.refresh_delay = 600, 0.0
    provider.users = copy.deepcopy(provider.default_users)
    backends.recorder.requests.clear()
    with console_app.test_client() as client:
        client.follow_redirects = False  # the test follows each redirect itself, to the provider over real HTTP
        yield client


def start(browser, provider, next_page: str = "") -> str:
    """Press the sign-in button: the gateway's redirect to the provider's authorization endpoint."""
    response = browser.get("/console/oidc/start", params={"next": next_page} if next_page else None)
    assert response.status_code == 302, response.text
    location = response.headers["location"]
    assert location.startswith(provider.issuer + "/auth?"), location
    return location


def at_provider(location: str) -> str:
    """The provider's answer to the browser (real HTTP): where it sends the browser back to."""
    response = httpx.get(location, follow_redirects=False)
    assert response.status_code == 302, response.text
    return response.headers["location"]


def query_of(url: str) -> dict[str, str]:
    return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))


def with_query(url: str, **changes: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return parts._replace(query=urllib.parse.urlencode({**query_of(url), **changes})).geturl()


def sign_in(browser, provider, next_page: str = "") -> httpx.Response:
    return browser.get(at_provider(start(browser, provider, next_page)))


def signed_in(browser) -> bool:
    response = browser.get("/console/")
    return response.status_code == 200 and "サインアウト" in response.text


def gateway_log(caplog) -> str:
    """What the gateway logged (not the test's own HTTP client, whose requests are the browser's)."""
    return "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith(("httpx", "httpcore")))


def error_page(response, status: int, title: str) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert f"<h1>{title}</h1>" in response.text, response.text
    assert 'id="signin-again"' in response.text
    return response.text


def test_a_clerk_signs_in_at_the_provider_and_the_pages_call_the_api_as_that_clerk(browser, provider, backends, caplog):
    caplog.set_level(logging.DEBUG)
    login = browser.get("/console/login")
    assert login.status_code == 200
    assert 'href="/console/oidc/start' in login.text and "認証基盤でサインイン" in login.text
    assert "デモ用サインイン" not in login.text  # no role picker where the provider signs clerks in
    assert browser.post("/console/login", data={"csrf_token": "x"}).status_code in (403, 404)

    location = start(browser, provider, "/console/persons?name_kana=ヨシダ")
    sent = query_of(location)
    assert {k: sent[k] for k in ("response_type", "client_id", "redirect_uri", "scope", "code_challenge_method")} == {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": "http://testserver/console/callback",
        "scope": "openid profile",
        "code_challenge_method": "S256",
    }
    assert len(sent["state"]) >= 43 and len(sent["nonce"]) >= 43 and len(sent["code_challenge"]) == 43
    back = at_provider(location)
    assert back.startswith("http://testserver/console/callback?") and query_of(back)["state"] == sent["state"]

    arrived = browser.get(back)
    assert arrived.status_code == 303, arrived.text
    assert urllib.parse.unquote(arrived.headers["location"]) == "/console/persons?name_kana=ヨシダ"
    # The provider was sent the verifier of the challenge, and answered tokens.
    exchange = provider.token_requests[-1]
    assert s256(exchange["form"]["code_verifier"]) == sent["code_challenge"]
    assert exchange["form"]["redirect_uri"] == "http://testserver/console/callback"
    assert exchange["answer"][0] == 200 and "client_secret" not in exchange["form"]

    page = browser.get(arrived.headers["location"])
    # The API took the clerk's scope mynumber:read from the provider's token: it asks for a purpose first.
    assert page.status_code == 400 and "X-Purpose is required" in page.text, page.text
    assert "clerk-07（窓口）" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    purpose = {"csrf_token": csrf, "purpose": "窓口での資格確認", "next": "/console/persons?name_kana=ヨシダ"}
    page = browser.get(browser.post("/console/purpose", data=purpose).headers["location"])
    assert page.status_code == 200, page.text
    assert "𠮷田 花子" in page.text
    # The API saw the provider's access token: the clerk as operator, roles and scopes from its claims.
    context = backends.recorder.last("SearchPersons").context
    assert context.operator_id == "clerk-07"
    assert sorted(context.scopes) == ["counter", "mynumber:read"]
    # That token is the clerk's bearer token: the API takes it as any client's.
    access_token = exchange["answer"][1]["access_token"]
    headers = {"Authorization": f"Bearer {access_token}", "X-Purpose": "test"}
    assert browser.get("/api/v1/persons/P1", headers=headers).status_code == 200

    # Nothing secret in the log: not the code, the verifier, the state, the nonce nor a token.
    logged = gateway_log(caplog)
    assert "console sign-in at the provider: clerk-07" in logged
    form = exchange["form"]
    for secret in (form["code"], form["code_verifier"], sent["state"], sent["nonce"], access_token[-40:]):
        assert secret not in logged

    # Signing out offers the provider's sign-out too (its discovery document names an end_session_endpoint).
    out = browser.post("/console/logout", data={"csrf_token": csrf})
    assert out.status_code == 200, out.text
    link = re.search(r'id="provider-sign-out" href="([^"]+)"', out.text).group(1).replace("&amp;", "&")
    assert link.startswith(provider.issuer + "/logout?")
    assert query_of(link) == {"client_id": CLIENT_ID, "post_logout_redirect_uri": "http://testserver/console/login"}
    assert httpx.get(link).status_code == 200
    assert not signed_in(browser)


def test_a_code_taken_into_another_browser_is_refused_by_the_provider_for_its_pkce_verifier(browser, provider, caplog):
    """A code intercepted on its way back and sent with another browser's session (another verifier): the provider
    refuses it (the verifier does not hash to the challenge) and the console says so."""
    caplog.set_level(logging.DEBUG)
    victims_way_back = at_provider(start(browser, provider))
    browser.cookies.clear()  # the attacker's browser: a sign-in of its own started, then the victim's code
    attackers_state = query_of(start(browser, provider))["state"]
    response = browser.get(with_query(victims_way_back, state=attackers_state))
    text = error_page(response, 400, "サインインできませんでした")
    assert "もう一度サインインしてください" in text
    status, answer = provider.token_requests[-1]["answer"]
    assert (status, answer["error_description"]) == (400, "PKCE verification failed")
    assert not signed_in(browser)
    logged = gateway_log(caplog)
    assert "token endpoint answered 400 invalid_grant" in logged
    assert query_of(victims_way_back)["code"] not in logged
    assert provider.token_requests[-1]["form"]["code_verifier"] not in logged


def test_a_replayed_or_unknown_state_is_refused_before_the_provider_is_asked(browser, provider):
    way_back = at_provider(start(browser, provider))
    before = dict(browser.cookies)  # the cookie that holds the state: a copy an attacker could replay
    assert browser.get(way_back).status_code == 303
    exchanges = len(provider.token_requests)
    # The same answer again, with the signed-in session, and with the very cookie that held the state.
    error_page(browser.get(way_back), 400, "サインインの手続きが見つかりません")
    browser.cookies.clear()
    browser.cookies.update(before)
    error_page(browser.get(way_back), 400, "サインインの手続きが見つかりません")
    # A state this browser never started, and a callback with no sign-in started at all.
    start(browser, provider)
    error_page(browser.get(with_query(way_back, state="made-up-state")), 400, "サインインの手続きが見つかりません")
    browser.cookies.clear()
    error_page(browser.get("/console/callback?code=abc&state=def"), 400, "サインインの手続きが見つかりません")
    assert len(provider.token_requests) == exchanges  # none of them reached the token endpoint
    assert not signed_in(browser)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"nonce": "another-sign-ins-nonce"}, "nonce"),
        ({"aud": "another-client"}, "InvalidAudienceError"),
        ({"aud": [CLIENT_ID, "another-client"], "azp": "another-client"}, "azp"),
        ({"iss": "https://idp.example/realms/other"}, "InvalidIssuerError"),
        ({"exp": 1_000_000}, "expired"),
        ({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"}, "at_hash"),
    ],
)
def test_an_id_token_with_a_wrong_nonce_audience_issuer_or_expiry_is_refused(browser, provider, caplog, claims, reason):
    caplog.set_level(logging.WARNING)
    provider.id_token_claims = claims
    response = sign_in(browser, provider)
    error_page(response, 400, "サインインできませんでした")
    assert provider.token_requests[-1]["answer"][0] == 200  # the provider answered; the console refused its token
    assert reason in caplog.text
    assert not signed_in(browser)


def test_the_clerk_refusing_at_the_provider_or_holding_no_console_role_gets_a_page_saying_so(browser, provider):
    provider.deny = True
    exchanges = len(provider.token_requests)
    text = error_page(sign_in(browser, provider), 403, "サインインが取り消されました")
    assert "管理者" in text and len(provider.token_requests) == exchanges
    provider.deny = False
    provider.user = "outsider-01"
    error_page(sign_in(browser, provider), 403, "この画面を使う役割がありません")
    assert not signed_in(browser)
    provider.user = "officer-02"
    assert sign_in(browser, provider).status_code == 303
    assert "officer-02（後方事務）" in browser.get("/console/").text


@pytest.mark.parametrize("methods", [None, ["client_secret_post"]])
def test_a_confidential_client_sends_its_secret_as_the_provider_asks(app_with, backends, methods):
    provider = TestProvider(client_secret="console-client-secret", auth_methods=methods)
    try:
        app = app_with(
            jwt_secret=None,
            oidc_issuer=provider.issuer,
            console_oidc_client_id=CLIENT_ID,
            console_oidc_client_secret="console-client-secret",
            console_session_secret=SESSION_SECRET,
        )
        with app.test_client() as browser:
            browser.follow_redirects = False
            assert sign_in(browser, provider).status_code == 303
            assert signed_in(browser)
        sent = provider.token_requests[-1]
        if methods is None:  # the discovery document names no method: client_secret_basic
            assert sent["authorization"].startswith("Basic ") and "client_secret" not in sent["form"]
        else:
            assert sent["authorization"] is None and sent["form"]["client_secret"] == "console-client-secret"
        provider.client_secret = "rotated-at-the-provider"
        with app.test_client() as browser:
            browser.follow_redirects = False
            error_page(sign_in(browser, provider), 400, "サインインできませんでした")
    finally:
        provider.close()


def test_a_token_endpoint_that_drops_the_connection_gives_a_page_not_a_500(browser, provider):
    way_back = at_provider(start(browser, provider))
    provider.cut_token_answers = True
    error_page(browser.get(way_back), 503, "認証基盤に接続できません")
    assert not signed_in(browser)


def test_an_unreachable_provider_gives_a_page_not_a_500(app_with, backends):
    app = app_with(
        jwt_secret=None,
        oidc_issuer="http://127.0.0.1:9/realms/nowhere",
        console_oidc_client_id=CLIENT_ID,
        console_session_secret=SESSION_SECRET,
    )
    with app.test_client() as browser:
        error_page(browser.get("/console/oidc/start"), 503, "認証基盤に接続できません")


def test_over_real_http_a_browser_signs_in_and_out_through_the_gateway_served_by_uvicorn(app_with, backends):
    """The gateway under uvicorn on a local port, the provider on another, a plain HTTP client with a cookie jar
    following every redirect as a browser does: the redirect URI is the gateway's own origin, the cookie crosses
    the provider's redirect (SameSite=Lax), and the pages call the API as the clerk."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    origin = f"http://127.0.0.1:{port}"
    provider = TestProvider(redirect_uris=(origin + "/console/callback",))
    provider.user = "officer-02"
    app = app_with(
        jwt_secret=None,
        oidc_issuer=provider.issuer,
        console_oidc_client_id=CLIENT_ID,
        console_session_secret=SESSION_SECRET,
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        with httpx.Client(base_url=origin, follow_redirects=True, timeout=30) as browser:
            for _ in range(100):
                try:
                    if browser.get("/healthz").status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                threading.Event().wait(0.05)
            started = browser.get("/console/oidc/start", params={"next": "/console/persons?name_kana=ヨシダ"},
                                  follow_redirects=False)  # fmt: skip
            cookie = started.headers["set-cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie  # plain HTTP here
            page = browser.get(started.headers["location"])  # provider -> /console/callback -> the page asked for
            assert page.status_code == 200, page.text
            assert str(page.url) == origin + "/console/persons?name_kana=%E3%83%A8%E3%82%B7%E3%83%80"
            assert "𠮷田 花子" in page.text and "officer-02（後方事務）" in page.text
            assert provider.token_requests[-1]["form"]["redirect_uri"] == origin + "/console/callback"
            context = backends.recorder.last("SearchPersons").context
            assert (context.operator_id, list(context.scopes)) == ("officer-02", ["backoffice"])
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
            out = browser.post("/console/logout", data={"csrf_token": csrf})
            assert out.status_code == 200 and 'id="provider-sign-out"' in out.text
            assert browser.get("/console/").url.path == "/console/login"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        provider.close()


# ---- refreshing the access token ----

SEARCH = "/console/persons?name_kana=ヨシダ"  # a page that calls the API with the clerk's token


def session_of(browser, console_app) -> dict:
    """The session cookie as the gateway reads it (signed, not encrypted)."""
    flask_app = console_app.app
    value = browser.cookies["nhi_console"]
    return flask_app.session_interface.get_signing_serializer(flask_app).loads(value)


def set_session(browser, console_app, session: dict) -> None:
    flask_app = console_app.app
    value = flask_app.session_interface.get_signing_serializer(flask_app).dumps(session)
    for cookie in browser.cookies.jar:
        if cookie.name == "nhi_console":
            cookie.value = value


def time_passes(browser, console_app, provider, sub: str) -> None:
    """The clock moves past the access token's end: the session holds the clerk's token as it is by then, expired
    (beyond the API's leeway, so the API would refuse it)."""
    session = session_of(browser, console_app)
    session["token"] = provider.access_token(sub, ttl=-120)
    session["expires_at"] = time.time() - 120
    set_session(browser, console_app, session)


def refreshes_since(provider, before: int) -> list[dict]:
    return provider.refreshes()[before:]


def test_a_page_after_the_access_token_expired_gets_a_new_token_transparently(browser, provider, console_app, backends):
    provider.user = "officer-02"
    assert sign_in(browser, provider, SEARCH).status_code == 303
    issued = provider.token_requests[-1]["answer"][1]["refresh_token"]
    # The refresh token is in the cookie only encrypted (the cookie is signed, readable by whoever holds it).
    session = session_of(browser, console_app)
    assert issued not in str(session) and issued not in browser.cookies["nhi_console"]
    assert session["refresh"].startswith("gAAAA")  # a Fernet token
    refreshed = len(provider.refreshes())
    assert "𠮷田 花子" in browser.get(SEARCH).text
    assert refreshes_since(provider, refreshed) == []  # ten minutes left: no refresh

    time_passes(browser, console_app, provider, "officer-02")
    page = browser.get(SEARCH)
    assert page.status_code == 200, page.text  # the expired token alone would have been refused (401: sign in)
    assert "𠮷田 花子" in page.text and "officer-02（後方事務）" in page.text
    [refresh] = refreshes_since(provider, refreshed)
    assert refresh["form"]["grant_type"] == "refresh_token" and refresh["form"]["refresh_token"] == issued
    assert refresh["form"]["client_id"] == CLIENT_ID and refresh["answer"][0] == 200
    assert backends.recorder.last("SearchPersons").context.operator_id == "officer-02"
    session = session_of(browser, console_app)
    assert session["token"] == refresh["answer"][1]["access_token"]
    assert session["expires_at"] > time.time() + 500
    # The next page uses the new token as it is; the rotated refresh token is the one kept.
    assert browser.get(SEARCH).status_code == 200
    assert len(refreshes_since(provider, refreshed)) == 1
    time_passes(browser, console_app, provider, "officer-02")
    assert browser.get(SEARCH).status_code == 200
    second = refreshes_since(provider, refreshed)[1]
    assert second["form"]["refresh_token"] == refresh["answer"][1]["refresh_token"] != issued


def test_a_token_expiring_within_a_minute_is_refreshed_and_roles_changed_at_the_provider_are_taken(
    browser, provider, backends, caplog
):
    caplog.set_level(logging.INFO)
    provider.user, provider.access_ttl = "officer-02", 30  # each token is within the minute before its end
    assert sign_in(browser, provider).status_code == 303
    refreshed = len(provider.refreshes())
    assert "officer-02（後方事務）" in browser.get("/console/").text
    assert len(refreshes_since(provider, refreshed)) == 1

    # The provider's administrator gives the clerk the counter role with My Number access: the next page has them.
    provider.users["officer-02"] = {"roles": ["backoffice", "counter"], "scope": "openid mynumber:read"}
    page = browser.get(SEARCH)
    assert "officer-02（後方事務・窓口）" in page.text
    assert page.status_code == 400 and "X-Purpose is required" in page.text  # the API took mynumber:read
    assert len(refreshes_since(provider, refreshed)) == 2
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    purpose = {"csrf_token": csrf, "purpose": "窓口での資格確認", "next": SEARCH}
    assert browser.get(browser.post("/console/purpose", data=purpose).headers["location"]).status_code == 200
    assert sorted(backends.recorder.last("SearchPersons").context.scopes) == ["backoffice", "counter", "mynumber:read"]

    # Every console role taken away: the session ends on a page saying why.
    provider.users["officer-02"] = {"roles": ["offline_access"], "scope": "openid"}
    error_page(browser.get(SEARCH), 403, "この画面を使う役割がありません")
    assert not signed_in(browser)
    assert "console session of officer-02 ended: the refreshed token has no console role" in gateway_log(caplog)


def test_a_revoked_refresh_token_ends_the_session_and_leads_to_sign_in_back_to_the_page(
    browser, provider, console_app, caplog
):
    caplog.set_level(logging.INFO)
    provider.user, provider.access_ttl = "officer-02", 30
    assert sign_in(browser, provider).status_code == 303
    provider.revoke("officer-02")  # signed out at the provider, or the account disabled
    page = browser.get(SEARCH)
    assert page.status_code == 302
    assert page.headers["location"].startswith("/console/login?")
    assert urllib.parse.unquote(query_of(page.headers["location"])["next"]) == SEARCH
    assert provider.refreshes()[-1]["answer"] == (
        400,
        {"error": "invalid_grant", "error_description": "unknown, used or revoked refresh token"},
    )
    assert browser.cookies.get("nhi_console") is None  # the token was good for 30 s more, but the session is over
    assert not signed_in(browser)
    logged = gateway_log(caplog)
    assert "the refresh was refused (token endpoint answered 400 invalid_grant)" in logged
    assert provider.refreshes()[-1]["form"]["refresh_token"] not in logged

    # Signing in again brings the clerk back to the page.
    provider.access_ttl = 600
    arrived = sign_in(browser, provider, SEARCH)
    assert urllib.parse.unquote(arrived.headers["location"]) == SEARCH
    assert "𠮷田 花子" in browser.get(SEARCH).text


def test_an_unreachable_provider_leaves_the_token_in_use_until_it_expires_then_leads_to_sign_in(
    browser, provider, console_app, caplog
):
    caplog.set_level(logging.WARNING)
    provider.user, provider.access_ttl = "officer-02", 30
    assert sign_in(browser, provider).status_code == 303
    token = session_of(browser, console_app)["token"]
    provider.cut_token_answers = True
    page = browser.get(SEARCH)
    assert page.status_code == 200 and "𠮷田 花子" in page.text  # the current token, still good for half a minute
    assert session_of(browser, console_app)["token"] == token
    assert "refreshing a console session's token failed: token endpoint unreachable" in gateway_log(caplog)

    time_passes(browser, console_app, provider, "officer-02")
    page = browser.get(SEARCH)
    assert page.status_code == 302
    assert page.headers["location"].startswith("/console/login?")
    assert urllib.parse.unquote(query_of(page.headers["location"])["next"]) == SEARCH


def test_a_provider_answering_5xx_to_a_refresh_counts_as_unreachable(browser, provider, console_app, monkeypatch):
    provider.user, provider.access_ttl = "officer-02", 30
    assert sign_in(browser, provider).status_code == 303
    monkeypatch.setattr(provider, "_token", lambda form, authorization: (503, {"error": "temporarily_unavailable"}))
    assert browser.get(SEARCH).status_code == 200
    assert provider.refreshes()[-1]["answer"][0] == 503
    assert "token" in session_of(browser, console_app)


def test_two_pages_refreshing_the_same_token_at_once_keep_the_session(browser, provider, console_app):
    """Two tabs open pages at the same moment with the same cookie: the provider (rotating refresh tokens) would
    refuse the second use of the refresh token; the gateway asks once and gives both pages the answer. Each page's
    cookie holds the same new tokens, so whichever the browser keeps (the last it receives) works."""
    provider.user, provider.access_ttl = "officer-02", 30
    assert sign_in(browser, provider).status_code == 303
    provider.access_ttl, provider.refresh_delay = 600, 0.5
    cookie = browser.cookies["nhi_console"]
    refreshed = len(provider.refreshes())
    answers: list = [None, None]

    def tab(i: int) -> None:
        answers[i] = browser.get(SEARCH, headers={"Cookie": f"nhi_console={cookie}"})

    tabs = [threading.Thread(target=tab, args=(i,)) for i in range(2)]
    for thread in tabs:
        thread.start()
    for thread in tabs:
        thread.join(30)
    assert [a.status_code for a in answers] == [200, 200], [a.text for a in answers]
    assert all("𠮷田 花子" in a.text for a in answers)
    assert len(refreshes_since(provider, refreshed)) == 1  # one request to the provider for both
    provider.refresh_delay = 0.0
    for answer in answers:  # either cookie, kept last, goes on
        value = re.search(r"nhi_console=([^;]+)", answer.headers["set-cookie"]).group(1)
        page = browser.get(SEARCH, headers={"Cookie": f"nhi_console={value}"})
        assert page.status_code == 200 and "𠮷田 花子" in page.text
    assert len(refreshes_since(provider, refreshed)) == 1
