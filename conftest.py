# The live-server fixtures serve both tests/ and e2e/.
pytest_plugins = ["tests.liveserver", "tests.chatters", "tests.inprocess"]
