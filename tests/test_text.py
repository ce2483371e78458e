from relaydesk_web.text import segments


def test_plain_text_is_one_text_run():
    assert segments("<img src=x onerror=alert(1)>") == [("text", "<img src=x onerror=alert(1)>")]


def test_web_links_become_link_runs_without_trailing_punctuation():
    assert segments("see https://example.com/a?b=1. ok") == [
        ("text", "see "), ("link", "https://example.com/a?b=1"), ("text", ". ok"),
    ]


def test_other_schemes_stay_text():
    assert segments("javascript:alert(1) file:///etc/passwd") == [("text", "javascript:alert(1) file:///etc/passwd")]
