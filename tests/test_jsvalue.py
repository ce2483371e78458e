"""The one way browser adapters read JS values that may be missing (``relaydesk_web.jsvalue``).

Under Pyodide a missing property raises ``AttributeError`` and ``null`` is a
``jsnull`` that is not ``None``; these stand-ins behave the same way.
"""

import pytest

from relaydesk_web import jsvalue


class JsNull:
    def __bool__(self):
        return False


NULL = JsNull()


class Proxy:
    """Like a JsProxy: set properties read back; any other name raises AttributeError."""

    def __init__(self, **properties):
        self.__dict__.update(properties)


class Element:
    def __init__(self, **attributes):
        self.attributes = attributes

    def getAttribute(self, name):  # noqa: N802  (the DOM's name)
        return self.attributes.get(name, NULL)


@pytest.fixture(autouse=True)
def pyodide_null(monkeypatch):
    monkeypatch.setattr(jsvalue, "jsnull", NULL)


def test_a_present_property_is_read():
    assert jsvalue.prop(Proxy(platform="Linux"), "platform") == "Linux"


def test_a_missing_property_gives_the_default_instead_of_raising():
    assert jsvalue.prop(Proxy(), "userAgentData") is None
    assert jsvalue.prop(Proxy(), "relaydeskImages", 0) == 0


def test_null_and_none_properties_give_the_default():
    assert jsvalue.prop(Proxy(value=NULL), "value", "x") == "x"
    assert jsvalue.prop(Proxy(value=None), "value", "x") == "x"


def test_a_falsy_but_present_value_is_kept():
    assert jsvalue.prop(Proxy(count=0), "count", 5) == 0
    assert jsvalue.prop(Proxy(text=""), "text", "x") == ""


def test_reading_through_a_missing_object_chains_safely():
    navigator = Proxy()
    assert jsvalue.prop(jsvalue.prop(navigator, "userAgentData"), "platform", "") == ""
    assert jsvalue.prop(NULL, "anything") is None


def test_attributes_and_data_values_are_none_when_absent():
    item = Element(**{"data-act": "push-url", "data-max-mb": "25", "role": "menuitem"})
    assert jsvalue.attr(item, "role") == "menuitem"
    assert jsvalue.attr(item, "aria-disabled") is None
    assert jsvalue.data(item, "act") == "push-url"
    assert jsvalue.data(item, "maxMb") == "25"
    assert jsvalue.data(item, "open") is None
    assert jsvalue.data(NULL, "act") is None


def test_no_adapter_reads_dataset_or_optional_properties_by_hand():
    """Grep-able rule: ``dataset.<name>`` is only ever written, and ``getattr`` on proxies lives in jsvalue."""
    import re
    from pathlib import Path

    web = Path(__file__).resolve().parents[1] / "web" / "py" / "relaydesk_web"
    offenders = []
    for path in web.glob("*.py"):
        for number, line in enumerate(path.read_text().splitlines(), 1):
            read = re.search(r"\.dataset\.\w+", line) and not re.search(r"\.dataset\.\w+ = ", line)
            if path.name != "jsvalue.py" and (read or "getattr(js" in line or "getattr(window" in line):
                offenders.append(f"{path.name}:{number}: {line.strip()}")
    assert offenders == []
