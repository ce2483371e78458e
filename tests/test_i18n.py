"""Languages: which one a page gets, the catalogs both runtimes read, and French dates."""

import io
import re
import zipfile
from datetime import UTC, datetime

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
