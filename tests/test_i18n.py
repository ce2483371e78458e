"""Languages: which one a page gets, the catalogs both runtimes read, and French dates."""

import io
import json
import re
import sqlite3
import zipfile
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from relaydesk import language
from relaydesk.i18n import format_datetime, mo_bytes
from relaydesk.language import _, speaking, supported

HTML_LANG = re.compile(r'<html lang="(\w+)"')


def page_language(client, path="/", **headers) -> str:
    return HTML_LANG.search(client.get(path, headers=headers).get_data(as_text=True))[1]


def test_a_page_speaks_the_browsers_language_unless_the_url_says(client):
    assert page_language(client) == "en"
    assert page_language(client, **{"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}) == "fr"
    assert page_language(client, **{"Accept-Language": "de-DE,de;q=0.9"}) == "en"
    assert page_language(client, "/?lang=fr") == "fr"
    assert page_language(client, "/?lang=en", **{"Accept-Language": "fr"}) == "en"
    assert page_language(client, "/rep?lang=fr") == "fr"


def test_language_tags_come_down_to_ours():
    assert [supported(tag) for tag in ("fr-CA", "FR", "en_GB", "de", "", None)] == ["fr", "fr", "en", None, None, None]


def test_a_message_reads_in_the_language_of_whoever_is_current():
    french = Catalog(locale="fr")
    french.add("%(name)s joined the chat", "%(name)s a rejoint le chat")
    mo = io.BytesIO()
    write_mo(mo, french)
    saved = language._catalogs.get("fr")
    language.install("fr", mo.getvalue())
    try:
        with speaking("fr"):
            assert _("%(name)s joined the chat", name="Alice Martin") == "Alice Martin a rejoint le chat"
            with speaking("en"):
                assert _("%(name)s joined the chat", name="Alice Martin") == "Alice Martin joined the chat"
        assert _("%(name)s joined the chat", name="Bob") == "Bob joined the chat"  # nobody's: English
    finally:
        language._catalogs.pop("fr")
        if saved is not None:
            language._catalogs["fr"] = saved


def test_the_browser_archive_carries_the_catalogs_compiled_from_the_po(client):
    page = client.get("/").get_data(as_text=True)
    archive = re.search(r'"(/py/relaydesk-\w+\.zip)"', page)[1]
    with zipfile.ZipFile(io.BytesIO(client.get(archive).data)) as zipped:
        assert zipped.read("relaydesk_web/locale/fr.mo") == mo_bytes("fr")
        assert "relaydesk/language.py" in zipped.namelist()


def test_dates_read_the_french_way_in_french():
    at = datetime(2026, 11, 25, 14, 3, tzinfo=UTC)
    assert format_datetime(at, "fr") == "25 nov. 2026, 14:03"
    assert format_datetime(at, "en") == "Nov 25, 2026, 14:03"
    assert format_datetime(at, "fr", zone="Europe/Paris") == "25 nov. 2026, 15:03"


def test_every_marked_string_has_its_french_with_the_same_parameters():
    """What ``scripts/translations`` would extract (babel.cfg) is all in the French catalog, translated."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.frontend import parse_mapping_cfg
    from babel.messages.pofile import read_po

    root = Path(__file__).resolve().parents[1]
    with (root / "babel.cfg").open() as file:
        method_map, options_map = parse_mapping_cfg(file)
    keywords = {"_": None, "N_": None, "ngettext": (1, 2), "lazy_gettext": None, "gettext_": None}
    marked = {message if isinstance(message, str) else message[0]
              for _file, _line, message, _comments, _context in extract_from_dir(
                  root, method_map, options_map, keywords=keywords)}
    with (root / "server/relaydesk/translations/fr/LC_MESSAGES/messages.po").open("rb") as file:
        french = {(m.id if isinstance(m.id, str) else m.id[0]): m for m in read_po(file) if m.id}
    assert sorted(marked - set(french)) == [], "run scripts/translations, then translate"
    for msgid in marked:
        entry = french[msgid]
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        assert all(strings) and not entry.fuzzy, f"no French for {msgid!r}"
        for string in strings:
            assert set(PARAMETER.findall(string)) == set(PARAMETER.findall(msgid)), msgid
            assert '"' not in string and "<" not in string, f"{msgid!r}: its French goes into HTML attributes"


PARAMETER = re.compile(r"%\((\w+)\)[sd]")


def test_older_logs_keep_their_english_notes_and_read_in_french_after_the_migration(tmp_path):
    from relaydesk.notes import render
    from relaydesk.store import Store

    path = tmp_path / "relaydesk.db"
    store = Store(path)
    session = store.create_session("request-id-0001", "t" * 40, "/", "Carol Durand", "Printer", {})
    for seq, (text, public) in enumerate([
        ("Carol Durand asked for help", None),
        ("Alice Martin is now hidden from the customer", "Alice Martin left the chat"),
        ("Alice Martin ended the session (Resolved)", None),
        ("Something else entirely", None),
    ], start=1):
        store.db.write("INSERT INTO events (session_id, seq, id, kind, author_kind, author_name, text, public_text,"
                       " audience, at) VALUES (?, ?, ?, 'status', 'system', 'Relaydesk', ?, ?, 'all', 1)",
                       (session.id, seq, f"old-{seq}", text, public))
    store.close()
    with sqlite3.connect(path) as db:  # as a file from before notes were codes was
        db.execute("ALTER TABLE portals DROP COLUMN language")
        db.execute("ALTER TABLE scripts DROP COLUMN language")
        for later in ("DROP TABLE audit_log", "DROP TABLE webhook_deliveries",  # and what came after (step 8)
                      "ALTER TABLE reps DROP COLUMN availability", "ALTER TABLE reps DROP COLUMN last_assigned_at"):
            db.execute(later)
        db.execute("DELETE FROM schema_migrations WHERE number >= 5")  # the steps for languages, and after
    store = Store(path)
    try:
        events = store.events_since(session.id, 0)
        rows = store.db.rows("SELECT text, meta FROM events WHERE session_id = ? ORDER BY seq", (session.id,))
    finally:
        store.close()
    metas = [json.loads(row["meta"]) for row in rows]
    assert [render(meta.get("note"), row["text"], lang="fr") for meta, row in zip(metas, rows, strict=True)] == [
        "Carol Durand a demandé de l'aide", "Alice Martin est maintenant masqué pour le client",
        "Alice Martin a mis fin à la session (Résolu)", "Something else entirely"]
    assert render(metas[1]["public_note"], lang="fr") == "Alice Martin a quitté le chat"
    assert [event.text for event in events][:1] == ["Carol Durand asked for help"]  # the sentence stays


def test_an_error_page_reads_in_the_readers_language(client):
    page = client.get("/rep/sessions/999", headers={"Accept-Language": "fr"})
    text = page.get_data(as_text=True)
    assert page.status_code == 401 and "<h1>Connectez-vous d&#39;abord</h1>" in text and 'lang="fr"' in text
    english = client.get("/rep/history").get_data(as_text=True)
    assert "<h1>Sign in first</h1>" in english


def test_shared_code_writes_numbers_as_babel_does_in_each_language():
    from babel.numbers import format_decimal

    for lang in language.LANGUAGES:
        with speaking(lang):
            for value in (0, 7, 1234, 86400, 12.5, 1234567.25):
                assert language.number(value) == format_decimal(value, locale=lang), (lang, value)


def test_a_count_agrees_with_its_noun_in_french():
    with speaking("fr"):
        said = [language.ngettext("%(num)s abandoned in the queue", "%(num)s abandoned in the queue", n)
                for n in (0, 1, 2)]
    assert said == ["0 abandonnée dans la file d'attente", "1 abandonnée dans la file d'attente",
                    "2 abandonnées dans la file d'attente"]
