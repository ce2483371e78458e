from relaydesk_web.link import LAST_RETRY, Link


def test_frames_submitted_offline_wait_in_the_outbox():
    link = Link()
    assert link.submit({"id": "a"}) == []
    link.opened()
    assert link.submit({"id": "b"}) == [{"id": "b"}]
    assert [f["id"] for f in link.outbox] == ["a", "b"]


def test_settling_a_frame_removes_it_once():
    link = Link()
    link.submit({"id": "a"})
    assert link.settle("a") == {"id": "a"}
    assert link.settle("a") is None


def test_retries_back_off_up_to_a_cap_and_restart_after_a_welcome():
    link = Link()
    delays = [link.closed() for _ in range(8)]
    assert delays[:4] == [0.5, 1.0, 2.0, 4.0]
    assert max(delays) == LAST_RETRY
    link.welcomed()
    assert link.closed() == 0.5
