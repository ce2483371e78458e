"""Group commit: events that arrive while a commit is on its way share the next transaction.

The batching only happens under gevent, so a real gevent process (a small
script, monkey-patched as ``relaydesk serve`` is) appends from many greenlets
at once and counts the COMMITs SQLite runs.  The batch's own rules are
checked in-process: each event of a failed batch gets the answer it would
have got alone.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from relaydesk.commits import Append, store_events
from relaydesk.store import Store

SCRIPT = """
from gevent import monkey
monkey.patch_all()
import json, sys
import gevent
from relaydesk.store import Store

store = Store(sys.argv[1], group_commit=sys.argv[2] == "on", db_worker=sys.argv[3])
sessions = [store.create_session(f"r{n}", "t" * 40 + str(n), "/", f"C{n}", "x", {}).id for n in range(40)]
commits = []
if store.db.dialect == "sqlite":
    store.db.writer.set_trace_callback(lambda sql: commits.append(sql) if sql == "COMMIT" else None)
else:  # PostgreSQL: psycopg waits on the hub, cooperatively
    execute = store.db.writer.execute

    def counted(sql, *args):
        if sql == "COMMIT":
            commits.append(sql)
        return execute(sql, *args)

    store.db.writer.execute = counted

def write(session):
    answers = [store.append_event(session, f"e{n}", "message", f"m{n}", "customer", "C") for n in range(5)]
    answers.append(store.append_event(session, "e2", "message", "again", "customer", "C"))  # a resend
    return [(event.seq, event.id, event.text, new) for event, new in answers]

greenlets = [gevent.spawn(write, session) for session in sessions]
gevent.joinall(greenlets, raise_error=True)
print(json.dumps({"commits": len(commits), "answers": [g.value for g in greenlets]}))
"""


BOTH_BACKENDS = True  # each test on SQLite and on PostgreSQL (tests/conftest.py)


def run_script(url: str, group_commit: str, worker: str = "thread") -> dict:
    done = subprocess.run([sys.executable, "-c", SCRIPT, url, group_commit, worker],
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout)


@pytest.mark.parametrize("worker", ["thread", "pool"])
def test_events_from_many_greenlets_share_commits_and_keep_their_order_and_dedup(database_url, worker):
    result = run_script(database_url, "on", worker)
    expected = [[n + 1, f"e{n}", f"m{n}", True] for n in range(5)] + [[3, "e2", "m2", False]]
    assert all(answers == expected for answers in result["answers"])
    assert result["commits"] < 40 * 6 / 2, "the events were not committed together"


def test_without_group_commit_each_event_is_its_own_commit(database_url):
    assert run_script(database_url, "off")["commits"] == 40 * 6


def test_each_event_of_a_failed_batch_gets_the_answer_it_would_have_got_alone(database_url):
    store = Store(database_url)
    session = store.create_session("r1", "t" * 43, "/", "Carol", "x", {}).id
    store.append_event(session, "known", "message", "first", "customer", "Carol")

    def event(session_id: int, event_id: str) -> Append:
        return Append(session_id, event_id, "message", event_id, "customer", "Carol", None, "all", None, {})

    outcomes = store_events(store.db.writer, [event(session, "a"), event(9999, "no-such-session"),
                                              event(session, "known"), event(session, "b")])
    assert [(o[0].seq, o[0].id, o[1]) for o in (outcomes[0], outcomes[2], outcomes[3])] == [
        (2, "a", True), (1, "known", False), (3, "b", True)]
    assert isinstance(outcomes[1], Exception)
    assert [e.id for e in store.events_since(session, 0)] == ["known", "a", "b"]
    store.close()


HELD_SCRIPT = """
from gevent import monkey
monkey.patch_all()
import json, sys
from contextlib import contextmanager
import gevent
from relaydesk.store import Store

store = Store(sys.argv[1])
session = store.create_session("r1", "t" * 41, "/", "C", "x", {}).id
holds, answered = [], []

@contextmanager
def answering():
    holds.append(0)
    yield

store.commits.answering = answering

def then(outcome):
    holds[-1] += 1
    answered.append(outcome[0].seq)

store.append_event(session, "first", "message", "m", "customer", "C")  # the 199 below queue behind its commit
for n in range(199):
    store.append_event_then(then, session, f"e{n}", "message", f"m{n}", "customer", "C")
while len(answered) < 199:
    gevent.sleep(0.01)
print(json.dumps({"holds": holds, "answered": answered}))
"""


def test_a_batch_is_answered_in_holds_of_at_most_64_events_in_order(tmp_path):
    done = subprocess.run([sys.executable, "-c", HELD_SCRIPT, str(tmp_path / "db.sqlite")], capture_output=True,
                          text=True, timeout=60, check=True)
    result = json.loads(done.stdout)
    assert result["answered"] == list(range(2, 201))
    assert max(result["holds"]) == 64  # the 199 came in one batch: 64, 64, 64, 7
    assert sum(result["holds"]) == 199
