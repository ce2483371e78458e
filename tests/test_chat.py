from relaydesk_web.chat import FAILED, PENDING, SENT, Conversation, Entry


def entry(id, seq=None, mine=False):
    return Entry(id, "message", f"text {id}", "Carol", "customer", mine=mine, seq=seq, at=1000 if seq else None)


def test_events_are_kept_in_sequence_order_whatever_order_they_arrive_in():
    log = Conversation({"id": 1})
    for seq in (2, 1, 3):
        log.receive(entry(f"e{seq}", seq))
    assert [e.seq for e in log.entries] == [1, 2, 3]


def test_an_event_placed_early_says_which_entry_it_goes_before():
    log = Conversation({"id": 1})
    log.receive(entry("e2", 2))
    assert log.receive(entry("e1", 1)).before == "e2"


def test_a_duplicate_event_is_ignored():
    log = Conversation({"id": 1})
    log.receive(entry("e1", 1))
    assert log.receive(entry("e1", 1)) is None
    assert len(log.entries) == 1


def test_last_seq_is_the_end_of_the_unbroken_run():
    log = Conversation({"id": 1})
    log.receive(entry("e1", 1))
    log.receive(entry("e3", 3))
    assert log.last_seq == 1
    log.receive(entry("e2", 2))
    assert log.last_seq == 3


def test_pending_entries_stay_below_confirmed_ones():
    log = Conversation({"id": 1})
    log.add_pending(entry("mine", mine=True))
    placement = log.receive(entry("e1", 1))
    assert placement.before == "mine"
    assert [(e.id, e.state) for e in log.entries] == [("e1", SENT), ("mine", PENDING)]


def test_an_acknowledgement_confirms_the_pending_entry_in_its_place():
    log = Conversation({"id": 1})
    log.add_pending(entry("mine", mine=True))
    log.receive(entry("e2", 2))
    placement = log.confirm("mine", 1, 500)
    assert (placement.entry.seq, placement.entry.state, placement.before) == (1, SENT, "e2")
    assert log.pending == []


def test_a_replayed_event_of_our_own_confirms_our_pending_entry():
    log = Conversation({"id": 1})
    log.add_pending(entry("mine", mine=True))
    placement = log.receive(entry("mine", 1))
    assert placement.entry.mine and placement.entry.state == SENT
    assert len(log.entries) == 1


def test_a_refused_entry_stays_visible_as_failed():
    log = Conversation({"id": 1})
    log.add_pending(entry("mine", mine=True))
    assert log.fail("mine").state == FAILED
    assert log.entries[0].text == "text mine"
