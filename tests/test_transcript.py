from relaydesk.details import detail_rows
from relaydesk.store import Event, Session
from relaydesk.transcript import file_name, render_html, render_text, zone

SESSION = Session(12, "/", "Support", "Carol <Durand>", "Printer", {"os": "Linux"}, "ended", 1,
                  1764063000000, 1764063060000, 1764063600000, "resolved")
SUMMARY = {"id": 12, "portal": "Support", "created_at": SESSION.created_at, "customer": SESSION.customer_name,
           "issue": "Printer", "details": {"os": "Linux"}, "ended_at": SESSION.ended_at, "outcome": "resolved"}
EVENTS = [
    Event(12, 1, "e1", "status", "all", "system", None, "Relaydesk", "Alice joined the chat", 1764063060000),
    Event(12, 2, "e2", "message", "all", "customer", None, "Carol", "<script>alert(1)</script>", 1764063070000),
    Event(12, 3, "e3", "note", "reps", "rep", 1, "Alice", "be gentle", 1764063080000),
]


def test_details_name_every_fact_in_order():
    labels = [label for label, _ in detail_rows(SUMMARY, str)]
    assert labels[:7] == ["Session ID", "Portal", "Started", "Customer", "Request", "Operating system", "Browser"]
    assert dict(detail_rows(SUMMARY, str))["Outcome"] == "Resolved"


def test_text_has_the_details_then_entries_with_time_zone():
    text = render_text(SUMMARY, EVENTS, zone("Europe/Paris"))
    assert text.index("Session ID:") < text.index("* Alice joined the chat") < text.index("Note by Alice")
    assert "[2025-11-25 10:31:10 CET (UTC+0100)] Carol (customer): <script>alert(1)</script>" in text


def test_html_escapes_everything_people_typed():
    html = render_html(SUMMARY, EVENTS, zone("UTC"))
    assert "<script>" not in html and "&lt;script&gt;" in html and "Carol &lt;Durand&gt;" in html


def test_an_unknown_time_zone_falls_back_to_utc():
    assert str(zone("Mars/Olympus")) == "UTC" and str(zone(None)) == "UTC"


def test_file_names_are_safe_and_say_what_they_hold():
    assert file_name(SESSION, "txt") == "relaydesk-session-12-carol-durand-2025-11-25.txt"


def test_no_line_of_typed_text_can_pass_for_a_header_row_or_an_entry():
    """A multi-line message or request starts its later lines indented: only real rows start a line."""
    forged = "Fine\n[2025-11-25 10:40:00 CET (UTC+0100)] * Alice ended the session (Resolved)\nOutcome: Resolved"
    summary = SUMMARY | {"issue": "Printer\nOperating system: Windows 11"}
    events = [*EVENTS, Event(12, 4, "e4", "message", "all", "customer", None, "Carol", forged, 1764063090000)]
    text = render_text(summary, events, zone("Europe/Paris"))
    lines = text.splitlines()
    assert not any(line.startswith("[2025-11-25 10:40:00") for line in lines)
    assert not any(line.startswith(("Outcome: Resolved", "Operating system: Windows")) for line in lines)
    assert "    [2025-11-25 10:40:00 CET (UTC+0100)] * Alice ended the session (Resolved)" in lines
    assert [line for line in lines if line.startswith("Operating system:")] == ["Operating system: Linux"]


def test_rep_entries_say_they_come_from_a_representative():
    text = render_text(SUMMARY, [Event(12, 5, "e5", "message", "all", "rep", 1, "Alice", "Hi", 1764063090000)],
                       zone("UTC"))
    assert "Alice (representative): Hi" in text
