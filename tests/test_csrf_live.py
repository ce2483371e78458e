"""Every state-changing form and fetch needs the page's CSRF token, on top of the Origin check.

Each case is sent four ways: without a token, with another visitor's token, and
without an Origin header (a non-browser client, or a browser that left it out)
both with no token and with the right one.  Only the right token gets through.
"""

import json
import secrets
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

import pytest

from tests.chatters import accept, ask, rep_hello
from tests.wsclient import Client, browser_token, sign_in


@dataclass
class Case:
    method: str
    path: str
    who: str  # "visitor", "rep", "admin" or "customer"
    form: dict | None = None  # sent as a form (the token in the csrf_token field) ...
    body: dict | None = None  # ... or as JSON (the token in the X-CSRFToken header)
    upload: bool = False  # ... or as a multipart file upload (the token in the header)
    works: int = 302


CASES = {
    "sign-in": Case("POST", "/rep/sign-in", "visitor", form={"username": "alice", "password": "correct horse"}),
    "sign-out": Case("POST", "/rep/sign-out", "rep", form={}),
    "add rep": Case("POST", "/rep/admin/reps", "admin",
                    form={"username": "dave", "name": "Dave", "password": "long enough"}),
    "add portal": Case("POST", "/rep/admin/portals", "admin", form={"path": "/billing", "name": "Billing"}),
    "portal on/off": Case("POST", "/rep/admin/portals/enabled", "admin", form={"path": "/", "enabled": "1"}),
    "team settings": Case("POST", "/rep/admin/settings", "admin", form={"greeting": "Hi"}),
    "team script": Case("POST", "/rep/admin/scripts", "admin", form={"kind": "message", "title": "T", "body": "B"}),
    "drop team script": Case("POST", "/rep/admin/scripts/1/delete", "admin", form={}),
    "monitor": Case("POST", "/rep/admin/monitor/{session}", "admin", form={}),
    "enable rep": Case("POST", "/rep/admin/reps/2/enabled", "admin", form={"enabled": "1"}),
    "reset password": Case("POST", "/rep/admin/reps/2/password", "admin", form={"password": "another long one"}),
    "make admin": Case("POST", "/rep/admin/reps/2/admin", "admin", form={"admin": "1"}),
    "webhook url": Case("POST", "/rep/admin/webhook", "admin", form={"url": "https://example.com/hook"}),
    "webhook secret": Case("POST", "/rep/admin/webhook/secret", "admin", form={}),
    "my password": Case("POST", "/rep/password", "rep", form={"current": "x", "new": "long enough", "again": "x"}),
    "my script": Case("POST", "/rep/scripts", "rep", body={"kind": "message", "title": "T", "body": "B"}, works=201),
    "drop my script": Case("DELETE", "/rep/scripts/1", "rep", body={}, works=200),
    "rep upload": Case("POST", "/files/{session}", "rep", upload=True, works=201),
    "customer upload": Case("POST", "/files/{session}", "customer", upload=True, works=201),
    "download access": Case("POST", "/files/access", "customer", body={"token": "{token}"}, works=204),
    "transcript": Case("POST", "/transcript", "customer", form={"token": "{token}", "format": "text"}, works=200),
}
NO_TOKEN, WRONG_TOKEN = None, "wrong"


def send(server, case: Case, cookie: str, token: str | None, origin: bool, fill: dict) -> int:
    """Send one case as a browser would, but with the given token (or none) and Origin (or none)."""
    headers = {"Cookie": cookie} | ({"Origin": server.url} if origin else {})
    if case.form is not None:
        form = {name: value.format(**fill) for name, value in case.form.items()}
        data = urllib.parse.urlencode(form | ({"csrf_token": token} if token else {})).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif case.body is not None:
        data = json.dumps({name: value.format(**fill) for name, value in case.body.items()}).encode()
        headers["Content-Type"] = "application/json"
    else:
        boundary = secrets.token_hex(8)
        data = (f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\n'
                f"hello\r\n--{boundary}--\r\n").encode()
        headers["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        headers |= {"X-Relaydesk-Token": fill["token"]} if case.who == "customer" else {}
    if token and case.form is None:
        headers["X-CSRFToken"] = token
    request = urllib.request.Request(server.url + case.path.format(**fill), data=data, headers=headers,
                                     method=case.method)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request) as response:
            return response.status
    except urllib.error.HTTPError as error:
        with error:
            return error.code


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def session(server, clients):
    """An active session: Alice holds it, the customer is in it."""
    customer, alice = Client(server, "customer"), Client(server, "rep", cookie=sign_in(server, "alice"))
    clients += [customer, alice]
    rep_hello(alice)
    session_id, token = ask(customer)
    accept(alice, session_id)
    return {"session": str(session_id), "token": token}


def cookie_for(server, who: str) -> str | None:
    return {"rep": lambda: sign_in(server, "alice"), "admin": lambda: sign_in(server, "root")}.get(who, lambda: None)()


@pytest.mark.parametrize("name", CASES)
def test_a_state_change_needs_the_page_s_csrf_token(server, session, name):
    case = CASES[name]
    attempts = {"no token": (NO_TOKEN, True), "another visitor's token": ("theirs", True),
                "no origin, no token": (NO_TOKEN, False), "a made-up token": (WRONG_TOKEN, True)}
    for attempt, (token, origin) in attempts.items():
        cookie, mine = browser_token(server, cookie_for(server, case.who))
        if token == "theirs":
            token = browser_token(server, None)[1]
        assert send(server, case, cookie, token, origin, session) == 403, attempt
    cookie, token = browser_token(server, cookie_for(server, case.who))
    assert send(server, case, cookie, token, False, session) == case.works  # no Origin, but the right token
    cookie, token = browser_token(server, cookie_for(server, case.who))
    assert send(server, case, cookie, token, True, session) == case.works


def test_a_refusal_says_why_in_the_form_it_was_asked(server):
    cookie, _ = browser_token(server, sign_in(server, "alice"))
    refused = send(server, CASES["my script"], cookie, None, True, {})
    assert refused == 403
    request = urllib.request.Request(server.url + "/rep/scripts", data=b"{}", method="POST", headers={
        "Cookie": cookie, "Origin": server.url, "Content-Type": "application/json"})
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request)
    with caught.value as error:
        assert "reload" in json.loads(error.read())["error"]


def test_every_page_with_a_form_carries_its_token(server):
    cookie, _ = browser_token(server, sign_in(server, "root"))
    for path in ("/rep", "/rep/admin", "/"):
        request = urllib.request.Request(server.url + path, headers={"Cookie": cookie})
        with urllib.request.urlopen(request) as response:
            page = response.read().decode()
        forms = page.count('method="post"')
        assert forms and page.count('name="csrf_token"') == forms, path
