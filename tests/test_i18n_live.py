"""Languages through a live server: each reader gets their own, from the same events."""

import json
import re
import urllib.error
import urllib.request

from relaydesk.notes import render
from tests.chatters import accept, act, ask, refused, rep_hello
from tests.wsclient import csrf_headers, post_form, sign_in

HTML_LANG = re.compile(r'<html lang="(\w+)"')


def test_a_status_note_reads_in_each_readers_language(server, connect):
    customer, alice = connect("customer", query="?lang=fr"), connect("rep", "alice")
    rep_hello(alice)
    session_id, token = ask(customer, name="Carol Durand")
    accept(alice, session_id)
    joined = customer.expect("event", kind="status", text="Alice joined the chat")
    assert joined["note"] == {"code": "joined", "params": {"name": "Alice"}}
    assert render(joined["note"], joined["text"], lang="fr") == "Alice a rejoint le chat"
    assert render(joined["note"], joined["text"], lang="en") == "Alice joined the chat"


def test_a_refusal_comes_in_the_language_of_the_page_that_sent_it(server, connect):
    french, english = connect("customer", query="?lang=fr"), connect("customer")
    for customer in (french, english):
        ask(customer)
    assert refused(french, "say", text="")["message"] == "Un message : ce champ ne peut pas être vide."
    assert refused(english, "say", text="")["message"] == "A message cannot be empty."


def test_exports_speak_the_reps_language_and_the_transcript_the_customers(server, connect):
    customer, alice = connect("customer", query="?lang=fr"), connect("rep", "alice")
    rep_hello(alice)
    session_id, token = ask(customer, name="Carol Durand")
    accept(alice, session_id)
    act(alice, "end", session=session_id, outcome="resolved")
    cookie = sign_in(server, "alice")
    export = f"/rep/sessions/{session_id}/export?format=text&tz=Europe/Paris"
    english = post_form(server, export, None, cookie=cookie)[2]
    assert "Alice ended the session (Resolved)" in english and "Relaydesk chat log" in english
    act(alice, "prefs", prefs={"language": "fr"})
    french = post_form(server, export, None, cookie=cookie)[2]
    assert "Journal de chat Relaydesk" in french
    assert "* Carol Durand a demandé de l'aide" in french
    assert "* Alice a mis fin à la session (Résolu)" in french
    assert re.search(r"\[\d{1,2} [a-zéû]+\.? 20\d\d, \d\d:\d\d CES?T \(UTC\+0[12]00\)\]", french), french
    transcript = post_form(server, "/transcript?lang=fr", {"token": token, "format": "text"})[2]
    assert "Alice a rejoint le chat" in transcript and "Client" in transcript
    assert "Alice joined the chat" in post_form(server, "/transcript", {"token": token, "format": "text"})[2]


def test_a_reps_language_preference_makes_the_console_speak_it(server, connect):
    alice = connect("rep", "alice")
    rep_hello(alice)
    cookie = sign_in(server, "alice")
    page = post_form(server, "/rep", None, cookie=cookie, headers={"Accept-Language": "en"})[2]
    assert HTML_LANG.search(page)[1] == "en" and ">Send<" in page
    act(alice, "prefs", prefs={"language": "fr"})
    page = post_form(server, "/rep", None, cookie=cookie, headers={"Accept-Language": "en"})[2]
    assert HTML_LANG.search(page)[1] == "fr" and ">Envoyer<" in page and ">Préférences de chat<" in page
    assert refused(alice, "prefs", prefs={"language": "de"})["code"] == "bad-prefs"


def test_a_portal_can_force_its_language(server):
    root = sign_in(server, "root")
    added = post_form(server, "/rep/admin/portals", {"path": "/facturation", "name": "Facturation"}, cookie=root)
    assert added[0] == 302
    french_browser = {"Accept-Language": "fr-FR,fr;q=0.9"}
    page = post_form(server, "/facturation", None, headers=french_browser)[2]
    assert HTML_LANG.search(page)[1] == "fr" and "Obtenir de l'aide" in page and "Votre nom" in page
    assert post_form(server, "/rep/admin/portals/language", {"path": "/facturation", "language": "en"},
                     cookie=root)[0] == 302
    for asked in ("", "?lang=fr"):
        page = post_form(server, "/facturation" + asked, None, headers=french_browser)[2]
        assert HTML_LANG.search(page)[1] == "en" and "Get help" in page
    assert HTML_LANG.search(post_form(server, "/?lang=fr", None)[2])[1] == "fr"


def test_a_scripted_message_keeps_its_language(server):
    cookie = sign_in(server, "alice")
    headers = csrf_headers(server, cookie) | {"Content-Type": "application/json"}
    def add(language: str) -> int:
        body = json.dumps({"kind": "message", "title": f"Bonjour {language}", "body": "Bonjour {customer} !",
                           "language": language}).encode()
        request = urllib.request.Request(server.url + "/rep/scripts", data=body, headers=headers | {
            "Origin": server.url}, method="POST")
        try:
            with urllib.request.urlopen(request) as answer:
                return answer.status
        except urllib.error.HTTPError as error:
            with error:
                return error.code

    assert add("fr") == 201 and add("de") == 400
    listing = json.loads(post_form(server, "/rep/scripts", None, cookie=cookie)[2])
    assert [(s["title"], s["language"]) for s in listing] == [("Bonjour fr", "fr")]
