"""The console's core and My status: the team as the server tells it, and the rep's own choice sent."""

from relaydesk_web.effects import Team
from relaydesk_web.rep_state import RepCore
from tests.test_state import ids, rep_welcome, sent, server


def test_the_team_is_shown_with_this_reps_own_status_and_my_status_is_sent():
    core = RepCore(new_id=ids())
    core.update({"type": "connected"})
    rep_welcome(core)
    reps = [{"id": 1, "name": "Alice", "status": "away"}, {"id": 2, "name": "Bob", "status": "offline"}]
    assert server(core, {"type": "team", "reps": reps}) == [Team(reps, "away")]
    assert core.status_of(2) == "offline" and core.status_of(9) == "offline"
    assert sent(core.update({"type": "set_availability", "status": "available"})) == [
        {"type": "availability", "id": "id-00001", "status": "available"}]


def test_my_status_chosen_while_offline_goes_out_after_the_hello():
    core = RepCore(new_id=ids())
    core.update({"type": "connected"})
    rep_welcome(core)
    core.update({"type": "disconnected"})
    assert sent(core.update({"type": "set_availability", "status": "away"})) == []
    frames = sent(core.update({"type": "connected"}))
    assert frames[0]["type"] == "hello"
    rep_welcome_frames = sent(rep_welcome(core))
    assert {"type": "availability", "id": "id-00001", "status": "away"} in frames + rep_welcome_frames
