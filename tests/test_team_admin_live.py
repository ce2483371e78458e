"""Team management on the admin page, against a live server: disabling a signed-in rep, resetting passwords,
admins (never the last one), a rep's own password, and the audit log that records each admin action."""

import html
import re

from relaydesk.protocol import SIGNED_OUT
from tests.chatters import rep_hello
from tests.test_sign_ins_live import closed_by_server, works
from tests.wsclient import Client, browser_token, post_form, sign_in, with_cookies

BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def refused_everywhere(server, cookie: str) -> None:
    """Check that a cookie no longer opens anything a signed-in rep may use (the sockets: ``closed_by_server``)."""
    assert post_form(server, "/rep/reps", None, cookie=cookie)[0] == 401
    assert post_form(server, "/rep/admin", None, cookie=cookie)[0] == 401
    assert 'name="password"' in post_form(server, "/rep", None, cookie=cookie)[2]  # the sign-in page


def rep_id(server, cookie, name: str) -> int:
    """Return a rep's id as the admin page's row for them (by display name) has it."""
    _status, _headers, page = post_form(server, "/rep/admin", None, cookie=cookie)
    rows = [row for row in page.split("<tr data-rep=")[1:] if f"<td>{name}</td>" in row]
    assert len(rows) == 1, f"no row for {name}"
    return int(re.search(r"/rep/admin/reps/(\d+)/", rows[0])[1])


def admin_post(server, cookie, path: str, fields: dict) -> str:
    """POST an admin form as the page does; return the admin page it leads to, with its flash message."""
    return posted(server, cookie, path, fields)[1]


def posted(server, cookie, path: str, fields: dict) -> tuple[str, str]:
    """POST a form as a browser does and follow its redirect; return the cookie the browser then holds, and the
    page (with its flash message, which the cookie carries)."""
    cookie, token = browser_token(server, cookie)
    status, headers, _ = post_form(server, path, fields, cookie=cookie, token=token)
    assert status == 302, status
    cookie = with_cookies(cookie, headers.get_all("Set-Cookie") or [])
    return cookie, post_form(server, headers["Location"], None, cookie=cookie)[2]


def audit_rows(page: str) -> list[str]:
    table = page.split('aria-label="Audit log"', 1)[1].split("</table>", 1)[0]
    return [" | ".join(html.unescape(re.sub(r"<[^>]+>", "", cell)).strip()
                       for cell in re.findall(r"<td>(.*?)</td>", row, re.S)[1:])
            for row in re.findall(r"<tr>(.*?)</tr>", table, re.S) if "<td>" in row]


def test_disabling_a_signed_in_rep_signs_their_console_out_and_sign_in_says_the_account_is_disabled(server,
                                                                                                     clients):
    root = sign_in(server, "root")
    alice_cookie = sign_in(server, "alice")
    console = Client(server, "rep", cookie=alice_cookie)
    clients.append(console)
    rep_hello(console)
    alice = rep_id(server, root, "Alice")
    page = admin_post(server, root, f"/rep/admin/reps/{alice}/enabled", {"enabled": "0"})
    assert "Disabled Alice (alice)." in html.unescape(page)
    assert closed_by_server(console) == SIGNED_OUT
    refused_everywhere(server, alice_cookie)
    status, _, answer = post_form(server, "/rep/sign-in", {"username": "alice", "password": "correct horse"})
    assert status == 403 and "This account is disabled." in answer
    assert audit_rows(page)[0] == "Root (root) | Disabled the representative | Alice (alice)"
    page = admin_post(server, root, f"/rep/admin/reps/{alice}/enabled", {"enabled": "1"})
    assert works(server, sign_in(server, "alice"))
    assert [row.split(" | ")[1] for row in audit_rows(page)[:2]] == ["Enabled the representative",
                                                                     "Disabled the representative"]


def test_the_last_admin_can_neither_be_removed_nor_disable_themselves(server):
    root = sign_in(server, "root")
    me, alice = rep_id(server, root, "Root"), rep_id(server, root, "Alice")
    page = admin_post(server, root, f"/rep/admin/reps/{me}/admin", {"admin": "0"})
    assert "at least one admin" in page
    page = admin_post(server, root, f"/rep/admin/reps/{me}/enabled", {"enabled": "0"})
    assert "You cannot disable yourself." in page
    page = admin_post(server, root, f"/rep/admin/reps/{alice}/admin", {"admin": "1"})
    assert "Alice (alice) is now an admin." in page
    assert post_form(server, "/rep/admin", None, cookie=sign_in(server, "alice"))[0] == 200
    cookie, token = browser_token(server, root)
    status, headers, _ = post_form(server, f"/rep/admin/reps/{me}/admin", {"admin": "0"}, cookie=cookie, token=token)
    assert (status, headers["Location"]) == (302, "/rep")  # to the console: the admin page is no longer theirs
    assert post_form(server, "/rep/admin", None, cookie=root)[0] == 403
    alice_cookie = sign_in(server, "alice")
    page = admin_post(server, alice_cookie, f"/rep/admin/reps/{alice}/admin", {"admin": "0"})
    assert "at least one admin" in page
    assert [row.split(" | ")[:2] for row in audit_rows(page)[:2]] == [
        ["Root (root)", "Removed as admin:"], ["Root (root)", "Made an admin:"]]


def test_an_admin_resets_a_password_and_the_rep_is_signed_out_everywhere(server, clients):
    root, bob_cookie = sign_in(server, "root"), sign_in(server, "bob")
    console = Client(server, "rep", cookie=bob_cookie)
    clients.append(console)
    rep_hello(console)
    bob = rep_id(server, root, "Bob")
    assert "at least 8 characters" in admin_post(server, root, f"/rep/admin/reps/{bob}/password", {"password": "short"})
    admin_post(server, root, f"/rep/admin/reps/{bob}/password", {"password": "a brand new one"})
    assert closed_by_server(console) == SIGNED_OUT
    refused_everywhere(server, bob_cookie)
    assert post_form(server, "/rep/sign-in", {"username": "bob", "password": "correct horse"})[0] == 401
    assert works(server, sign_in(server, "bob", "a brand new one"))


def test_a_rep_changes_their_own_password_and_stays_signed_in_here_only(server, clients):
    here, elsewhere = sign_in(server, "alice"), sign_in(server, "alice")
    other_console = Client(server, "rep", cookie=elsewhere)
    clients.append(other_console)
    rep_hello(other_console)
    here, page = posted(server, here, "/rep/password", {"current": "wrong one", "new": "quite new pass",
                                                         "again": "quite new pass"})
    assert "Your current password is not that." in page
    here, page = posted(server, here, "/rep/password", {"current": "correct horse", "new": "quite new pass",
                                                         "again": "not the same"})
    assert "differ" in page
    here, page = posted(server, here, "/rep/password", {"current": "correct horse", "new": "quite new pass",
                                                         "again": "quite new pass"})
    assert "Changed your password." in page
    assert closed_by_server(other_console) == SIGNED_OUT
    refused_everywhere(server, elsewhere)
    assert works(server, here)
    assert works(server, sign_in(server, "alice", "quite new pass"))


def test_a_plain_rep_cannot_use_the_admin_actions(server):
    alice = sign_in(server, "alice")
    status, _, _ = post_form(server, "/rep/admin/reps/1/enabled", {"enabled": "0"}, cookie=alice)
    assert status == 403
