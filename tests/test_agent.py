import pytest

from relaydesk_web.agent import browser_name, system_name

CHROME_LINUX = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36"
EDGE_WINDOWS = ("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.70")
FIREFOX_MAC = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:132.0) Gecko/20100101 Firefox/132.0"
SAFARI_IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
                 "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1")
CHROME_ANDROID = ("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Chrome/131.0.0.0 Mobile Safari/537.36")


@pytest.mark.parametrize(
    ("agent", "system", "browser"),
    [
        (CHROME_LINUX, "Linux", "Chrome 131"),
        (EDGE_WINDOWS, "Windows 10 or 11", "Edge 131"),
        (FIREFOX_MAC, "macOS 14.5", "Firefox 132"),
        (SAFARI_IPHONE, "iOS 17.5", "Safari 17"),
        (CHROME_ANDROID, "Android 14", "Chrome 131"),
    ],
)
def test_common_browsers_are_named(agent, system, browser):
    assert (system_name(agent), browser_name(agent)) == (system, browser)


def test_an_unknown_agent_falls_back_to_the_platform_hint():
    assert system_name("curl/8.0", "Windows") == "Windows"
    assert browser_name("curl/8.0") == "Unknown browser"
