import pytest

from relaydesk.app import create_app
from relaydesk.store import Store


@pytest.fixture
def app(tmp_path):
    return create_app({"DATA_DIR": str(tmp_path / "data"), "TESTING": True})


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store(tmp_path):
    store = Store(tmp_path / "test.db", synchronous="NORMAL")
    yield store
    store.close()
