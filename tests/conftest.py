import tempfile
from pathlib import Path

import pytest

from relaydesk.app import create_app
from relaydesk.store import Store
from tests import services
from tests.multinode import fresh_database

BACKENDS = ("sqlite", "postgresql")


def pytest_generate_tests(metafunc):
    """A module with ``BOTH_BACKENDS = True`` runs each test that opens a database (``store``, ``database_url``)
    on SQLite and on PostgreSQL; a test marked ``sqlite_only`` looks at the file itself."""
    if (getattr(metafunc.module, "BOTH_BACKENDS", False) and "backend" in metafunc.fixturenames
            and not metafunc.definition.get_closest_marker("sqlite_only")):
        metafunc.parametrize("backend", BACKENDS, indirect=True)


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: the test reads the SQLite file itself")


@pytest.fixture(scope="session")
def postgres_server():
    """One throwaway PostgreSQL for the whole run (tests/services.py); each test gets a database of its own."""
    with tempfile.TemporaryDirectory(prefix="relaydesk-pg-") as folder, services.postgres(Path(folder)) as url:
        yield url


@pytest.fixture
def database_url(request, backend, tmp_path):
    """Where a test's database is: an SQLite file in ``tmp_path``, or a new PostgreSQL database."""
    if backend == "sqlite":
        yield str(tmp_path / "test.db")
        return
    with fresh_database(request.getfixturevalue("postgres_server")) as url:
        yield url


@pytest.fixture
def app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(database_url):
    store = Store(database_url, synchronous="NORMAL")
    yield store
    store.close()
