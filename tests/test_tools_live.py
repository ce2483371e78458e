"""Rep tools through a live server: pushed URLs, preferences on every device, notes, the script library."""

import json
import urllib.request

from tests.wsclient import csrf_headers, post_form, sign_in


def request_json(server, path, cookie, body=None, method="GET"):
    headers = csrf_headers(server, cookie) if method != "GET" else {"Cookie": cookie}
    request = urllib.request.Request(server.url + path, method=method, headers={
        **headers, "Origin": server.url, "Content-Type": "application/json"},
        data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_reps_keep_their_own_scripts_beside_the_teams(server):
    admin = sign_in(server, "root")
    post_form(server, "/rep/admin/scripts", {"kind": "message", "category": "Openers", "title": "Greeting",
                                              "body": "Hello {customer}"}, cookie=admin)
    alice, bob = sign_in(server, "alice"), sign_in(server, "bob")
    status, mine = request_json(server, "/rep/scripts", alice, {"kind": "url", "title": "Docs",
                                                                 "body": "https://example.com/docs"}, "POST")
    assert status == 201 and {s["title"] for s in mine} == {"Greeting", "Docs"}
    assert [s["title"] for s in request_json(server, "/rep/scripts", bob)[1]] == ["Greeting"]


def test_a_scripted_url_must_be_a_web_address(server):
    status, answer = request_json(server, "/rep/scripts", sign_in(server, "alice"),
                                  {"kind": "url", "title": "Evil", "body": "javascript:alert(1)"}, "POST")
    assert status == 400 and "http" in answer["error"]


