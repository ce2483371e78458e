"""The whole product in French: every page state walked with the French names, and no English word left.

The browsers here say French (``locale="fr-FR"``: ``navigator.language`` and
``Accept-Language``), so the portal and the console speak it without being
asked.  At each state, ``english_left`` reads what a person reads — the text
of every visible element, and the names and descriptions the page gives them
(``aria-label``, ``aria-description``, ``title``, ``placeholder``, ``alt``) —
and fails on any word that is English and not French; it also runs axe-core
there (``e2e/axe.py``, light and dark themes), so every French state is held to
the same zero violations as the English census.  The states are the census's
(``e2e/test_census.py``), and the controls each one brings are activated.
Text inside an element marked with another ``lang`` (the language names in
the language lists) is the other language's on purpose.
The controls are found by their French names, which are as stable as the
English ones (README, "Languages").
"""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect

from e2e.axe import audit
from e2e.conftest import REP_PASSWORD, Actors, PageWatch
from e2e.pages import BOOT_TIMEOUT, wait_until
from e2e.test_accessibility import SIDEWAYS

CUSTOMER, ISSUE = "Chloé Dupont", "Mon imprimante est hors ligne"
REP, BOB = "Alice Martin", "Bruno Petit"
# Words people read in English that are not French words too ("message", "session", "note", "client", "file",
# "type", "format", "comment", "invite", "issue", "suggestions", "scripts" are both, and say nothing).
ENGLISH = set("""
the and you your is are was were with from this that these not for of to in at by be it its they them their our we
please send sent sending help get ended waiting wait share sharing shared screen stop allow deny customer customers
representative representatives sign out name key keys save saved cancel close search history start started
over download loading loaded connected reconnecting connecting settings shortcuts hidden unknown resolved unresolved
join joined leave left transfer transferred export log tools spell check larger smaller text enter shift new line
accept generate add added remove removed monitor monitoring enable enabled disable disabled team greeting path
username password details viewer preferences language browser system time size outcome request operating portal
portals display sound default yellow red after seconds online away everyone all private mine unread dictionary
since until valid wrong tried next number thanks thank contacting copy describe optional digit phone directly
computer nothing else keep tab tabs open already below shortly will can who what how my if no yes title category
kind role state status general found find past words asks asked see read only end ended toolbar panel side show
hide choose file's chatting give them queue's library scripted misspelled picture click live shared
""".split())
ALLOWED = {"Relaydesk", "Chrome", "Linux", "HeadlessChrome", "Chromium", "UTC", "Europe", "Paris"}
WORD = re.compile(r"[A-Za-zÀ-ÿ’']+")
PLACEHOLDER = re.compile(r"\{\w+\}")  # {customer} and {rep}, which scripted messages are written with
# A random token in hex (the webhook's secret): its letters are no words, though "…9be4…" reads "be".
TOKEN = re.compile(r"[0-9A-Za-z_-]*\d[0-9A-Za-z_-]*")

# Visible text and the names of visible elements, skipping what is marked as another language.
READ_PAGE = """() => {
  const shown = (el) => !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length)
      && getComputedStyle(el).visibility !== "hidden";
  const french = (el) => { const tagged = el.closest("[lang]"); return !tagged || tagged.lang.startsWith("fr"); };
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || ["SCRIPT", "STYLE", "TEMPLATE"].includes(el.tagName) || !french(el)) continue;
    if ((el.tagName === "OPTION" || shown(el)) && node.textContent.trim()) out.push(node.textContent.trim());
  }
  const names = ["aria-label", "aria-description", "aria-roledescription", "title", "placeholder", "alt"];
  for (const el of document.body.querySelectorAll(names.map(name => `[${name}]`).join(",") + ",[data-sending]")) {
    if (!french(el) || !(shown(el) || el.tagName === "SELECT")) continue;
    for (const name of names) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name));
    }
  }
  out.push(document.title);
  return out;
}"""


def english_left(page: Page, state: str, allowed: set[str] = frozenset(), within: str | None = None) -> None:
    """Fail if anything a person reads in this page state is still English, or if axe finds a violation in it
    (``within``: only in that part of the page, as for an open menu over the page audited already)."""
    expect(page.locator("html")).to_have_attribute("lang", "fr")
    problems = audit(page, f"{state}, in French", page.locator(within) if within else None)
    assert not problems, "\n".join(problems)
    found = []
    for text in page.evaluate(READ_PAGE):
        words = [word for word in WORD.findall(TOKEN.sub(" ", PLACEHOLDER.sub("", text)))
                 if word not in ALLOWED | allowed]
        english = [word for word in words if word.lower().strip("'’") in ENGLISH]
        if english:
            found.append(f"{text!r} ({', '.join(english)})")
    assert not found, f"English left in {state}:\n  " + "\n  ".join(found)


def connected(actors: Actors, page: Page) -> None:
    try:  # two pages boot at once, on a machine other tests share
        expect(page.get_by_test_id("app-status")).to_have_text("Connecté", timeout=3 * BOOT_TIMEOUT)
    except AssertionError as exc:
        raise AssertionError(f"{page.url} did not connect; the pages reported: {actors.problems()}") from exc


def french_page(actors: Actors, label: str) -> tuple[Page, PageWatch]:
    return actors.new_page(label, locale="fr-FR", timezone_id="Europe/Paris")


def test_every_page_state_reads_in_french(actors: Actors):
    server = actors.server
    server.add_rep("alice", REP, REP_PASSWORD, admin=True)
    customer, _ = french_page(actors, "customer")
    rep, rep_watch = french_page(actors, "rep alice")
    names = {CUSTOMER, ISSUE, REP}
    people = {word for name in names for word in WORD.findall(name)}

    customer.goto(server.url + "/")
    rep.goto(server.url + "/rep")
    english_left(rep, "the sign-in page")
    rep.locator("#username").fill("alice")
    rep.locator("#password").fill(REP_PASSWORD)
    rep.get_by_role("button", name="Se connecter").click()
    for page in (customer, rep):
        connected(actors, page)
    english_left(customer, "the portal")
    english_left(rep, "the console, empty")

    # The portal says what is missing in French, before Python and after.
    customer.get_by_role("button", name="Obtenir de l'aide").click()
    expect(customer.get_by_role("alert")).to_have_text("Veuillez saisir votre nom et décrire votre problème.")
    customer.get_by_role("textbox", name="Votre nom").fill(CUSTOMER)
    customer.get_by_role("textbox", name="Décrivez votre problème").fill(ISSUE)
    expect(customer.get_by_role("textbox", name="Clé de session")).to_be_empty()
    customer.get_by_role("button", name="Obtenir de l'aide").click()
    expect(customer.get_by_text("Vous êtes le prochain.")).to_be_visible()
    english_left(customer, "waiting in the queue", people)
    queue = rep.get_by_role("region", name="File d'attente").get_by_role("listitem").filter(has_text=CUSTOMER)
    expect(queue).to_be_visible()
    english_left(rep, "the console with a queue", people)

    queue.get_by_role("button", name="Accepter").click()
    expect(customer.get_by_role("log", name="Journal de chat")).to_contain_text(f"{REP} a rejoint le chat")
    rep_log = rep.get_by_role("log", name="Journal de chat")
    expect(rep_log).to_contain_text(f"{REP} a rejoint le chat")
    expect(rep_log).to_contain_text(f"{CUSTOMER} a demandé de l'aide")
    customer.get_by_role("textbox", name="Message").fill("Bonjour, merci")
    customer.get_by_role("button", name="Envoyer", exact=True).click()
    rep.get_by_role("textbox", name="Message").fill("Bonjour Chloé, je regarde cela")
    rep.get_by_role("combobox", name="À").select_option(label="Tout le monde")
    rep.get_by_role("button", name="Envoyer", exact=True).click()
    expect(customer.get_by_role("log", name="Journal de chat")).to_contain_text("je regarde cela")
    rep.get_by_role("textbox", name="Notes de session").fill("Vérifier le pilote")
    rep.get_by_role("button", name="Ajouter la note").click()
    expect(rep_log.locator('li[data-kind="note"]')).to_contain_text("Vérifier le pilote")
    for region in ("Détails", "Participants", "Écran du client"):
        expect(rep.get_by_role("region", name=region)).to_be_visible()
    expect(rep.get_by_role("button", name="Envoyer l'URL")).to_be_visible()
    english_left(customer, "the customer in the chat", people)
    english_left(rep, "the console holding the chat", people)
    no_sideways_scrolling(rep, customer)

    # The console's menu and every dialog, each open in turn.
    rep.get_by_role("button", name="Outils de session").click()
    expect(rep.get_by_role("menu")).to_be_visible()
    english_left(rep, "the Session tools menu", people, within="#tools-menu")
    rep.keyboard.press("Escape")
    for opener, dialog in [("Raccourcis clavier", "Raccourcis clavier"), ("Préférences de chat", "Préférences de chat"),
                           ("Exporter le journal de chat", "Exporter le journal de chat"),
                           ("Terminer la session", "Terminer la session"),
                           ("Messages préenregistrés", "Messages préenregistrés"),
                           ("URL préenregistrées", "URL préenregistrées")]:
        rep.get_by_role("button", name=opener, exact=True).first.click()
        shown = rep.get_by_role("dialog", name=dialog)
        expect(shown).to_be_visible()
        english_left(rep, f"the dialog {dialog}", people)
        if dialog in ("Messages préenregistrés", "URL préenregistrées"):  # its own part, open: a state too
            shown.get_by_text("Ajouter un des miens").click()
            expect(shown.get_by_role("button", name="Enregistrer dans mes scripts")).to_be_visible()
            english_left(rep, f"the dialog {dialog}, adding one of my own", people)
        rep.keyboard.press("Escape")
        expect(shown).to_have_count(0)
    for item, dialog in [("Inviter un représentant", "Inviter un représentant"),
                         ("Transférer la session", "Transférer la session")]:
        rep.get_by_role("button", name="Outils de session").click()
        rep.get_by_role("menuitem", name=item).click()
        shown = rep.get_by_role("dialog", name=dialog)
        expect(shown).to_be_visible()
        english_left(rep, f"the dialog {dialog}", people)
        rep.keyboard.press("Escape")
        expect(shown).to_have_count(0)
    rep.get_by_role("button", name="Orthographe").click()
    rep.get_by_role("textbox", name="Message").fill("Bonjour, votre imprimante est brnchée ?")
    expect(rep.get_by_role("group", name="Mots mal orthographiés").get_by_role("button", name="brnchée")).to_be_visible(
        timeout=30_000)
    english_left(rep, "the console checking spelling in French", people | {"brnchée"})
    rep.get_by_role("textbox", name="Message").fill("")

    invited_and_hidden(actors, rep, people)

    # The customer's screen: asked (Autoriser / Refuser), shared, stopped.
    rep.get_by_role("button", name="Demander le partage d'écran").click()
    ask = customer.get_by_role("alertdialog")
    expect(ask).to_contain_text(f"{REP} demande à voir votre écran.")
    english_left(customer, "asked for the screen", people)
    expect(customer.get_by_role("button", name="Refuser")).to_be_visible()
    customer.get_by_role("button", name="Autoriser").click()
    expect(customer.get_by_role("button", name="Arrêter le partage")).to_be_visible()
    expect(rep.get_by_role("img", name="Écran du client")).to_be_visible(timeout=15_000)
    english_left(customer, "sharing the screen", people)
    english_left(rep, "the console seeing the screen", people)
    with rep.expect_popup() as popup:  # the Viewer, a window of its own
        rep.get_by_role("img", name="Écran du client").dblclick()
    expect(popup.value).to_have_title(f"Visualiseur — {CUSTOMER}")
    english_left(popup.value, "the Viewer", people)
    popup.value.close()
    customer.get_by_role("button", name="Arrêter le partage").click()
    expect(rep_log).to_contain_text(f"{CUSTOMER} a arrêté de partager son écran")
    expect(customer.get_by_role("button", name="Envoyer un fichier")).to_be_visible()

    # The end, both sides.
    rep.get_by_role("button", name="Terminer la session", exact=True).first.click()
    dialog = rep.get_by_role("dialog", name="Terminer la session")
    dialog.get_by_role("radio", name="Résolu", exact=True).check()
    dialog.get_by_role("button", name="Terminer la session").click()
    expect(rep.get_by_text("Cette session est terminée : Résolu.")).to_be_visible()
    expect(customer.get_by_role("heading", name="Cette session d'assistance est terminée")).to_be_visible()
    english_left(customer, "the customer after the end", people)
    english_left(rep, "the console after the end", people)
    rep.get_by_role("button", name="Fermer cette session").click()
    expect(rep.get_by_role("tab")).to_have_count(0)
    english_left(rep, "the console, all sessions closed", people)

    # Admin, history and a read-only log, in French too.
    for path, state in [("/rep/admin", "the admin page"), (f"/rep/history?q={CUSTOMER.split()[0]}", "history")]:
        rep.goto(server.url + path)
        english_left(rep, state, people | {"Support"})
    rep.get_by_role("link", name="Ouvrir le journal").click()
    expect(rep.get_by_text(f"{REP} a mis fin à la session (Résolu)")).to_be_visible()
    english_left(rep, "a read-only log", people | {"Support", "fr", "FR", "HeadlessChrome"})
    reports_and_password(rep, people | {"Support", BOB})

    # Pages that say something went wrong: a portal that is not there, a log that is not there.
    for path, state in (("/nulle-part", "a portal that is not there"), ("/rep/sessions/999999", "an error page")):
        rep_watch.allow_console_error(r"status of 404 .*" + re.escape(path))  # the answer the page is about
        rep.goto(server.url + path)
        english_left(rep, state, people)


def no_sideways_scrolling(*pages: Page) -> None:
    """French words are longer: at 1280×720 and at 200% zoom (640×360 CSS pixels), nothing in the chat scrolls
    sideways and Send stays reachable, as in English (e2e/test_accessibility.py)."""
    for page in pages:
        for width, height in ((1280, 720), (640, 360)):
            page.set_viewport_size({"width": width, "height": height})
            assert page.evaluate(SIDEWAYS) == [], f"{page.url} at {width}×{height} scrolls sideways"
            send = page.get_by_role("button", name="Envoyer", exact=True)
            send.scroll_into_view_if_needed()
            expect(send).to_be_in_viewport()
        page.set_viewport_size({"width": 1280, "height": 720})


def invited_and_hidden(actors: Actors, alice: Page, people: set[str]) -> None:
    """Bob, in French: invited (the invitation dismissed, then joined), in the chat as an invited rep, hidden,
    shown again, and gone (Leave session): each state read, and the controls it brings activated."""
    server = actors.server
    server.add_rep("bruno", BOB, REP_PASSWORD)
    bob, _ = french_page(actors, "rep bruno")
    bob.goto(server.url + "/rep")
    bob.locator("#username").fill("bruno")
    bob.locator("#password").fill(REP_PASSWORD)
    bob.get_by_role("button", name="Se connecter").click()
    connected(actors, bob)
    people = people | set(WORD.findall(BOB))

    def invite(hidden: bool = False) -> None:
        alice.get_by_role("button", name="Outils de session").click()
        alice.get_by_role("menuitem", name="Inviter un représentant").click()
        dialog = alice.get_by_role("dialog", name="Inviter un représentant")
        dialog.get_by_role("combobox", name="Représentant").select_option(label=BOB)
        dialog.get_by_role("checkbox", name="Rejoindre en masqué").set_checked(hidden)
        dialog.get_by_role("button", name="Inviter").click()
        expect(dialog).to_have_count(0)

    invite()
    invitation = bob.get_by_role("group", name=re.compile("vous invite"))
    expect(invitation).to_contain_text(f"{REP} vous invite à rejoindre la session avec {CUSTOMER}")
    english_left(bob, "the console with an invitation", people)
    invitation.get_by_role("button", name="Ignorer").click()
    expect(invitation).to_have_count(0)
    invite()
    invitation.get_by_role("button", name="Rejoindre").click()
    tab = bob.get_by_role("tab", name=re.compile(CUSTOMER))
    expect(tab).to_have_attribute("aria-selected", "true")
    participants = alice.get_by_role("region", name="Participants").get_by_role("listitem").filter(has_text=BOB)
    expect(participants.get_by_role("img", name="Visible")).to_be_visible()
    english_left(bob, "the console as an invited rep", people)
    english_left(alice, "the console holding a chat with an invited rep", people)
    bob.get_by_role("button", name="Outils de session").click()
    expect(bob.get_by_role("menu")).to_be_visible()
    expect(bob.get_by_role("menuitem", name="Quitter la session")).to_be_visible()
    english_left(bob, "the Session tools menu of an invited rep", people, within="#tools-menu")
    bob.keyboard.press("Escape")

    bob.get_by_role("button", name="Me masquer pour le client").click()
    expect(participants.get_by_role("img", name="Masqué")).to_be_visible()
    expect(bob.get_by_role("button", name="Me montrer au client")).to_be_visible()
    english_left(bob, "the console as a hidden rep", people)
    bob.get_by_role("button", name="Outils de session").click()
    expect(bob.get_by_role("menuitem", name="Me montrer au client")).to_be_visible()
    english_left(bob, "the Session tools menu of a hidden rep", people, within="#tools-menu")
    bob.get_by_role("menuitem", name="Me montrer au client").click()
    expect(participants.get_by_role("img", name="Visible")).to_be_visible()

    bob.get_by_role("button", name="Outils de session").click()
    bob.get_by_role("menuitem", name="Quitter la session").click()
    expect(tab).to_have_count(0)
    expect(participants).to_have_count(0)
    english_left(bob, "the console of a rep who left", people)


def reports_and_password(rep: Page, people: set[str]) -> None:
    """The reports page and the password page, read in French and their controls used."""
    server_url = rep.url.split("/rep", 1)[0]
    rep.goto(server_url + "/rep/reports?tz=Europe/Paris")  # the days of the browser's zone, from the first load
    expect(rep.get_by_test_id("started")).to_have_text("1")
    expect(rep.locator('canvas[data-drawn="1"]').first).to_be_attached()  # Chart.js drew its charts
    charts = "[...document.querySelectorAll('canvas[data-drawn]')].map(node => Chart.getChart(node).options.locale)"
    assert set(rep.evaluate(charts)) == {"fr"}  # their numbers written the French way, as the page's
    english_left(rep, "the reports page", people)
    with rep.expect_download() as download:
        rep.get_by_role("link", name="Télécharger le CSV").click()
    assert CUSTOMER in Path(download.value.path()).read_text(encoding="utf-8")
    portal = rep.get_by_role("combobox", name="Portail")
    portal.select_option(label="Support (/)")
    portal.select_option(label="Tous les portails")
    rep.get_by_role("combobox", name="Représentant").select_option(label=REP)
    rep.get_by_role("button", name="Afficher le rapport").click()
    expect(rep).to_have_url(re.compile(r"/rep/reports\?.*rep=\d+"))
    expect(rep.get_by_role("table", name="Par représentant")).to_contain_text(REP)
    english_left(rep, "the reports page for one rep", people)

    rep.goto(server_url + "/rep/password")
    english_left(rep, "the password page", people)
    rep.get_by_label("Mot de passe actuel", exact=True).fill("not my password")
    rep.get_by_label("Nouveau mot de passe", exact=True).fill("a new long password")
    rep.get_by_label("Nouveau mot de passe (confirmation)", exact=True).fill("a new long password")
    rep.get_by_role("button", name="Changer de mot de passe").click()
    expect(rep.get_by_role("alert").filter(has_text="Ce n’est pas votre mot de passe actuel.")).to_be_visible()
    english_left(rep, "the password page saying what is wrong", people)


def test_a_rep_switches_the_console_to_french_and_back_at_once(actors: Actors):
    server = actors.server
    server.add_rep("bruno", "Bruno Petit", REP_PASSWORD)
    page, _ = actors.new_page("rep bruno", locale="en-GB")
    page.goto(server.url + "/rep")
    page.locator("#username").fill("bruno")
    page.locator("#password").fill(REP_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_test_id("app-status")).to_have_text("Connected", timeout=BOOT_TIMEOUT)
    page.get_by_role("button", name="Chat preferences").click()
    page.get_by_role("dialog", name="Chat preferences").get_by_role("combobox", name="Language", exact=True) \
        .select_option("fr")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("html")).to_have_attribute("lang", "fr", timeout=BOOT_TIMEOUT)
    expect(page.get_by_test_id("app-status")).to_have_text("Connecté", timeout=BOOT_TIMEOUT)
    english_left(page, "the console switched to French", {"Bruno", "Petit"})
    page.get_by_role("button", name="Préférences de chat").click()
    page.get_by_role("dialog", name="Préférences de chat").get_by_role("combobox", name="Langue", exact=True) \
        .select_option("")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.locator("html")).to_have_attribute("lang", "en", timeout=BOOT_TIMEOUT)
    expect(page.get_by_role("button", name="Chat preferences")).to_be_visible(timeout=BOOT_TIMEOUT)
    wait_until(page, "document.getElementById('app-status').textContent === 'Connected'", timeout_s=30)
