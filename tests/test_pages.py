"""Pages, sign-in and the admin page, through Flask's test client."""

import pytest

from tests.wsclient import CSRF_META


@pytest.fixture
def store(app):
    return app.extensions["relaydesk"].store


def post(client, path, data, **kwargs):
    """Post a form as the page's own form does: with the CSRF token of a page the client loaded."""
    token = CSRF_META.search(client.get("/rep").get_data(as_text=True))[1]
    return client.post(path, data={**data, "csrf_token": token}, **kwargs)


@pytest.fixture
def signed_in(client, store):
    def sign_in(username="root", admin=True):
        store.add_rep(username, username.title(), "correct horse", admin=admin)
        response = post(client, "/rep/sign-in", data={"username": username, "password": "correct horse"})
        assert response.status_code == 302
        return client

    return sign_in


def test_the_rep_console_asks_for_sign_in_first(client):
    page = client.get("/rep").get_data(as_text=True)
    assert 'name="username"' in page and 'name="password"' in page and "py" not in page.split("<body")[0]


def test_a_wrong_password_keeps_the_username_and_says_why(client, store):
    store.add_rep("alice", "Alice", "correct horse")
    response = post(client, "/rep/sign-in", data={"username": "alice", "password": "nope"})
    assert response.status_code == 401
    assert "Wrong username or password." in response.get_data(as_text=True)
    assert 'value="alice"' in response.get_data(as_text=True)


def test_an_unknown_portal_path_gets_a_friendly_404(client):
    response = client.get("/nowhere")
    assert response.status_code == 404 and "This help page does not exist." in response.get_data(as_text=True)


def test_the_admin_page_is_for_admins_only(signed_in):
    client = signed_in("alice", admin=False)
    assert client.get("/rep/admin").status_code == 403


def test_an_admin_adds_a_portal_that_then_serves_its_greeting(signed_in):
    client = signed_in()
    response = post(client, "/rep/admin/portals", data={"path": "/billing", "name": "Billing",
                                                       "greeting": "Questions about your bill?"})
    assert response.status_code == 302
    assert "Added the portal /billing." in client.get("/rep/admin").get_data(as_text=True)
    page = client.get("/billing")
    assert page.status_code == 200
    assert "Questions about your bill?" in page.get_data(as_text=True)
    assert 'data-portal="/billing"' in page.get_data(as_text=True)


def test_an_admin_disables_a_portal(signed_in):
    client = signed_in()
    post(client, "/rep/admin/portals", data={"path": "/billing", "name": "Billing"})
    post(client, "/rep/admin/portals/enabled", data={"path": "/billing", "enabled": "0"})
    assert client.get("/billing").status_code == 404


def test_a_bad_portal_gets_a_clear_message_and_nothing_is_added(signed_in, store):
    client = signed_in()
    post(client, "/rep/admin/portals", data={"path": "/rep", "name": "Sneaky"})
    assert "A portal path is" in client.get("/rep/admin").get_data(as_text=True)
    assert [p["path"] for p in store.portals()] == ["/"]


def test_an_admin_adds_a_rep(signed_in, store):
    client = signed_in()
    post(client, "/rep/admin/reps", data={"username": "bob", "name": "Bob", "password": "long enough"})
    assert store.authenticate("bob", "long enough").display_name == "Bob"


def test_admin_forms_from_another_site_are_refused(signed_in):
    client = signed_in()
    response = post(client, "/rep/admin/settings", data={"greeting": "x"}, headers={"Origin": "http://evil.example"})
    assert response.status_code == 403


def test_the_history_page_needs_a_signed_in_rep(client):
    assert client.get("/rep/history?q=x").status_code == 401
