"""Password hashing: every sign-in costs one hash, known username or not, and under gevent it runs off the hub."""

import hashlib
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest


@pytest.fixture
def scrypt_calls(monkeypatch):
    """Count the scrypt runs werkzeug makes (it looks ``hashlib.scrypt`` up on every call)."""
    calls = []
    real = hashlib.scrypt

    def counted(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(hashlib, "scrypt", counted)
    return calls


def test_an_unknown_username_costs_a_hash_like_a_known_one(store, scrypt_calls):
    store.add_rep("alice", "Alice", "correct horse")
    scrypt_calls.clear()
    assert store.authenticate("alice", "wrong horse") is None
    assert len(scrypt_calls) == 1
    assert store.authenticate("nobody", "wrong horse") is None
    assert len(scrypt_calls) == 2, "an unknown username must cost one hash too, or its answer comes sooner"


def test_the_stand_in_hash_costs_what_a_reps_hash_costs():
    from werkzeug.security import generate_password_hash

    from relaydesk.passwords import STAND_IN_HASH

    assert STAND_IN_HASH.split("$")[0] == generate_password_hash("x").split("$")[0]


OFF_HUB = textwrap.dedent("""
    from gevent import monkey
    monkey.patch_all()
    import hashlib, sys, tempfile
    from relaydesk.app import create_app

    real_ident = monkey.get_original("_thread", "get_ident")
    hub_thread = real_ident()
    threads = []
    real_scrypt = hashlib.scrypt

    def scrypt(*args, **kwargs):
        threads.append(real_ident())
        return real_scrypt(*args, **kwargs)

    hashlib.scrypt = scrypt
    with tempfile.TemporaryDirectory() as folder:
        store = create_app({"DATA_DIR": folder}).extensions["relaydesk"].store
        store.add_rep("alice", "Alice", "correct horse")
        assert store.authenticate("alice", "correct horse") is not None
        assert store.authenticate("nobody", "correct horse") is None
    print(len(threads), sum(thread == hub_thread for thread in threads))
""")


def test_under_gevent_hashing_runs_off_the_hubs_thread():
    """The hub's thread runs every socket; a hash there stalls them all for its ~100 ms."""
    server = str(Path(__file__).resolve().parents[1] / "server")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([server, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", OFF_HUB], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    hashes, on_hub = map(int, done.stdout.split())
    assert hashes == 3 and on_hub == 0, done.stdout
