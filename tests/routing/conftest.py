"""The tests here run against a relay in the test's own process (``tests.inprocess``), not a server subprocess.

They are written as the live tests are (``connect``, ``chat``, ``team``,
``server.add_rep``): these two fixtures give them the in-process relay instead.
"""

import pytest


@pytest.fixture
def server(desk):
    return desk


@pytest.fixture
def connect(desk):
    return desk.connect
