"""JSON Feed 1.1 rules, and the key positions findings point at."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from feedpub.validate import validate_bytes

BASE: dict[str, Any] = {
    "version": "https://jsonfeed.org/version/1.1",
    "title": "Live",
    "home_page_url": "https://example.org/live",
    "feed_url": "https://example.org/live/feed.json",
    "items": [{"id": "1", "content_text": "Doors open", "url": "https://example.org/live/1"}],
}


def _findings(feed: dict[str, Any]) -> list[tuple[str, str]]:
    return [(f.severity, f.rule) for f in validate_bytes(json.dumps(feed, indent=2).encode())]


def _with(**changes: Any) -> dict[str, Any]:
    feed = json.loads(json.dumps(BASE))
    feed.update(changes)
    return feed


def _item(**changes: Any) -> dict[str, Any]:
    feed = json.loads(json.dumps(BASE))
    feed["items"][0].update(changes)
    return feed


def test_base_is_clean() -> None:
    assert _findings(BASE) == []


@pytest.mark.parametrize(("feed", "expected"), [
    (_with(version="https://jsonfeed.org/version/1"), [("warning", "json-version-old")]),
    # the version URLs generators get wrong: neither 1.0's nor 1.1's exact string
    (_with(version="https://jsonfeed.org/version/1.0"), [("error", "json-version-invalid")]),
    (_with(version="http://jsonfeed.org/version/1.1"), [("error", "json-version-invalid")]),
    (_with(version="https://jsonfeed.org/version/1.1/"), [("error", "json-version-invalid")]),
    (_with(version="https://www.jsonfeed.org/version/1.1"), [("error", "json-version-invalid")]),
    (_with(version=1.1), [("error", "json-type-invalid"), ("error", "json-version-invalid")]),
    (_with(next_url="https://example.org/live/feed.json"), [("error", "json-next-url-invalid")]),
    (_with(expired=1), [("error", "json-type-invalid")]),
    (_with(expired=True), []),
    (_with(hubs=[{"type": "WebSub", "url": "https://hub.example.org/"}]), []),
    (_with(hubs=[{"url": "https://hub.example.org/"}]), [("error", "json-hub-invalid")]),
    (_with(hubs={"type": "WebSub"}), [("error", "json-type-invalid")]),
    (_with(items={}), [("error", "json-type-invalid")]),
    (_with(authors=[{}]), [("error", "json-author-empty")]),
    (_with(authors=[{"name": "Jane", "url": "/jane"}]), [("error", "json-url-invalid")]),
    (_with(author={"name": "Jane"}), [("warning", "json-author-deprecated")]),
    # JSON Feed 1.0 has only "author": not deprecated there, but checked as an author
    (_with(version="https://jsonfeed.org/version/1", author={"name": "Jane"}),
     [("warning", "json-version-old")]),
    (_with(version="https://jsonfeed.org/version/1", author={"url": "/jane"}),
     [("warning", "json-version-old"), ("error", "json-url-invalid")]),
    (_with(author={}), [("warning", "json-author-deprecated"), ("error", "json-author-empty")]),
    (_item(author={"avatar": "avatar.png"}),
     [("warning", "json-author-deprecated"), ("error", "json-url-invalid")]),
    (_with(language="en-GB"), []),
    (_with(language="English"), [("error", "json-language-invalid")]),
    (_with(language="en GB"), [("error", "json-language-invalid")]),
    (_with(icon="icon.png"), [("error", "json-url-invalid")]),
    (_with(_ext={"anything": 1}), []),
    (_item(id=None), [("error", "json-type-invalid")]),
    (_item(content_text=None, content_html="<p>x</p>"), [("error", "json-type-invalid")]),
    (_item(date_modified="2024-12-07T09:00:00+01:00"), []),
    (_item(date_modified="2024-12-07"), [("error", "json-date-invalid")]),
    (_item(tags=["a", 1]), [("error", "json-type-invalid")]),
    (_item(attachments=[{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                         "size_in_bytes": 10}]), []),
    (_item(attachments=[{"url": "https://example.org/a.mp3"}]),
     [("error", "json-attachment-invalid")]),
    (_item(attachments=[{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                         "duration_in_seconds": "10"}]), [("error", "json-type-invalid")]),
    # "Attachments": mime_type is a MIME type ("such as audio/mpeg"); a size or a
    # duration is not negative
    (_item(attachments=[{"url": "https://example.org/a.mp3", "mime_type": "mp3"}]),
     [("error", "json-attachment-invalid")]),
    (_item(attachments=[{"url": "https://example.org/a.m4a", "mime_type": "audio/x-m4a",
                         "size_in_bytes": 0, "duration_in_seconds": 61.5}]), []),
    (_item(attachments=[{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                         "size_in_bytes": -1}]), [("error", "json-attachment-invalid")]),
    (_item(attachments=[{"url": "https://example.org/a.mp3", "mime_type": "audio/mpeg",
                         "duration_in_seconds": -0.5}]), [("error", "json-attachment-invalid")]),
    (_item(colour="blue"), [("warning", "json-key-unknown")]),
    (_item(url=None), [("error", "json-type-invalid")]),
    (_with(author={"name": "Jane"}, authors=[{"name": "Jane"}]), []),
    (_item(id=7), [("warning", "json-id-not-string")]),
    (_item(id=""), [("error", "json-id-empty")]),
    (_item(id="  "), [("error", "json-id-empty")]),
    (_item(id=[1]), [("error", "json-type-invalid")]),
    (_with(_blue_shed={"about": "https://example.org/ext"}), []),
    (_with(_9lives={"about": "x"}), [("warning", "json-extension-name-invalid")]),
    (_with(_blue={"owner.name": "x"}), [("warning", "json-extension-name-invalid")]),
])
def test_rules(feed: dict[str, Any], expected: list[tuple[str, str]]) -> None:
    assert _findings(feed) == expected


def test_item_without_url_is_a_warning() -> None:
    feed = json.loads(json.dumps(BASE))
    del feed["items"][0]["url"]
    assert _findings(feed) == [("warning", "json-item-url-missing")]


def test_version_should_come_first() -> None:
    feed = {"title": "Live", **json.loads(json.dumps(BASE))}
    assert _findings(feed) == [("warning", "json-version-not-first")]


def test_items_missing_id() -> None:
    feed = _with(items=[{"content_text": "x", "url": "https://example.org/x"}])
    assert _findings(feed) == [("error", "json-id-missing")]


def test_top_level_must_be_an_object() -> None:
    assert [f.rule for f in validate_bytes(b"[1, 2]")] == ["json-not-object"]


@pytest.mark.parametrize(("data", "kind"), [
    (b'"items"', "a JSON string"), (b"42", "a JSON number"), (b" -1.5e3\n", "a JSON number"),
    (b"null", "JSON null"), (b"true", "JSON true"),
])
def test_a_bare_json_value_is_json_but_not_a_feed(data: bytes, kind: str) -> None:
    """RFC 8259 makes any value a JSON text, but only "{" and "[" were taken for JSON:
    "items" or 42 was called "neither XML nor JSON", at column 0."""
    [finding] = validate_bytes(data)
    assert (finding.rule, finding.line, finding.column) == ("json-not-object", 1, 1)
    assert finding.message == (f"the document is {kind}, not a JSON Feed: a JSON Feed is a "
                               "JSON object ({...})")


def test_only_a_whole_json_value_is_taken_for_json() -> None:
    """Text that merely starts like a JSON value stays "neither XML nor JSON"."""
    assert [f.rule for f in validate_bytes(b"4")] == ["json-not-object"]
    for data in (b"nothing", b"42 43", b"NaN", b"-", b'"open'):
        [finding] = validate_bytes(data)
        assert (finding.rule, finding.message) == ("feed-not-a-feed",
                                                   "the document is neither XML nor JSON")


def test_duplicate_key_is_a_warning_at_the_second_key() -> None:
    """RFC 8259 4: names SHOULD be unique, so a repeat is valid JSON, and a hazard:
    readers disagree on which value counts. The last one (JSON.parse's) is checked."""
    data = b'{"version": "https://jsonfeed.org/version/1.1",\n "title": "a",\n "title": "b",\n' \
           b' "home_page_url": "https://e.org/", "feed_url": "https://e.org/f.json", "items": []}'
    [finding] = validate_bytes(data)
    assert (finding.severity, finding.rule, finding.line, finding.column) == (
        "warning", "json-key-duplicate", 3, 2)
    data = data.replace(b'"title": "b"', b'"title": 7')
    assert [(f.severity, f.rule) for f in validate_bytes(data)] == [
        ("error", "json-title-missing"), ("warning", "json-key-duplicate"),
        ("error", "json-type-invalid")]


def test_unsafe_html_hidden_behind_a_repeated_name_is_reported() -> None:
    """A reader that keeps the first of two content_html members shows a script that the
    one JSON.parse keeps would not: both values are checked, and both values of a URL."""
    item = (b'{"id": "1", "url": "https://e.org/1", "content_html": "<script>x()</script>",'
            b' "content_html": "<p>fine</p>"}')
    data = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "a",'
            b' "home_page_url": "https://e.org/", "feed_url": "https://e.org/f.json",'
            b' "items": [' + item + b']}')
    assert sorted((f.severity, f.rule) for f in validate_bytes(data)) == [
        ("warning", "html-unsafe"), ("warning", "json-key-duplicate")]
    assert [f.rule for f in validate_bytes(data.replace(b"<script>x()</script>", b"<b>x</b>"))] \
        == ["json-key-duplicate"]
    hidden_url = data.replace(b'"url": "https://e.org/1"', b'"url": "/1", "url": "https://e.org/1"')
    assert ("error", "json-url-invalid") in [(f.severity, f.rule) for f in validate_bytes(hidden_url)]


def test_positions_survive_tricky_strings() -> None:
    """Strings that contain quotes, colons and braces must not shift the key positions."""
    data = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "a \\"b\\": {c}",\n'
            b'"home_page_url": "https://e.org/", "feed_url": "https://e.org/f.json",\n'
            b'"items": [{"id": "x\\": 1", "content_text": "\\"id\\": 2", "url": "https://e.org/"},\n'
            b'          {"id": "x\\": 1", "content_text": "y", "url": "https://e.org/"}]}')
    [finding] = validate_bytes(data)
    assert (finding.rule, finding.line, finding.column) == ("json-id-duplicate", 4, 12)


def test_non_ascii_columns_count_characters() -> None:
    data = ('{"version": "https://jsonfeed.org/version/1.1", "title": "été",\n'
            '"home_page_url": "https://e.org/", "feed_url": "https://e.org/f.json",\n'
            '"items": [{"titre": "ç", "id": "1", "content_text": "y", "url": "https://e.org/"}]}'
            ).encode()
    [finding] = validate_bytes(data)
    assert (finding.rule, finding.line, finding.column) == ("json-key-unknown", 3, 12)


def test_utf8_bom_is_accepted_and_other_encodings_are_not() -> None:
    text = json.dumps(BASE)
    # accepted (exit 0), with a warning since RFC 7159/8259 8.1 forbid writing the BOM
    assert _findings_of(b"\xef\xbb\xbf" + text.encode()) == [("warning", "json-bom")]
    latin = text.replace("Live", "Café").encode("latin-1")
    assert [f.rule for f in validate_bytes(latin)] == ["json-encoding-invalid"]


def test_syntax_error_position() -> None:
    [finding] = validate_bytes(b'{\n  "version": "x",\n  "title": \n}')
    assert (finding.rule, finding.line, finding.column) == ("json-not-well-formed", 4, 1)


@pytest.mark.parametrize("constant", [b"NaN", b"Infinity", b"-Infinity"])
def test_nan_and_infinity_are_not_json(constant: bytes) -> None:
    """Python's json reads them; RFC 8259 has no such values (issue 11.16)."""
    data = (b'{"version": "https://jsonfeed.org/version/1.1", "title": "NaN and Infinity",\n'
            b'"items": [{"id": "1", "content_text": "x",\n  "_stats": {"ratio": ' + constant + b"}}]}")
    [finding] = [f for f in validate_bytes(data) if f.severity == "error"]
    assert (finding.rule, finding.line, finding.column) == ("json-not-well-formed", 3, 23)
    assert constant.decode() in finding.message


def test_a_5000_digit_integer_is_a_number_not_an_internal_error() -> None:
    """Valid JSON however long the integer (issue 11.16); it is still a number."""
    feed = json.dumps(_item(attachments=[{"url": "https://example.org/a.mp3",
                                          "mime_type": "audio/mpeg", "size_in_bytes": 0}]))
    data = feed.replace('"size_in_bytes": 0', '"size_in_bytes": ' + "9" * 5000).encode()
    assert [(f.severity, f.rule) for f in validate_bytes(data)] == []
    wrong = feed.replace('"size_in_bytes": 0', '"size_in_bytes": "' + "9" * 5000 + '"').encode()
    assert [f.rule for f in validate_bytes(wrong)] == ["json-type-invalid"]


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-be"])
def test_utf16_and_utf32_are_read_with_a_warning(codec: str) -> None:
    """JSON Feed 1.1 allows any encoding RFC 7159 allowed, but asks for UTF-8."""
    data = json.dumps(_item(title="Café"), indent=2).encode(codec)
    assert _findings_of(data) == [("warning", "json-encoding-not-utf8")]


def test_a_utf8_byte_order_mark_is_a_warning() -> None:
    """RFC 8259 8.1: JSON text must not begin with a byte-order mark, and JavaScript's
    JSON.parse throws on one; it was skipped without a word."""
    data = b"\xef\xbb\xbf" + json.dumps(_item(title="Caf\u00e9")).encode()
    assert _findings_of(data) == [("warning", "json-bom")]
    [finding] = validate_bytes(data)
    assert (finding.line, finding.column) == (1, 1)


def _findings_of(data: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.rule) for f in validate_bytes(data)]


def test_findings_on_many_keys_of_one_object_scan_its_members_once() -> None:
    """Each finding's position was found by scanning all the object's members: an object
    of n unknown keys cost n * n (20,000 keys took 13 s)."""
    from feedpub.validate.findings import Report
    from feedpub.validate.jsonfeed import JObject, JsonFeedChecker, Locator

    scans: list[int] = []

    class CountingPairs(list[tuple[str, Any]]):
        def __iter__(self) -> Iterator[tuple[str, Any]]:
            scans.append(1)
            return super().__iter__()

    keys = "".join(f', "k{i}": 1' for i in range(3000))
    text = ('{"version": "https://jsonfeed.org/version/1.1", "title": "t", "items": []'
            + keys + "}")
    feed = json.loads(text, object_pairs_hook=lambda pairs: JObject(CountingPairs(pairs)))
    report = Report(text.encode())
    JsonFeedChecker(report, Locator(text, feed)).check(feed)
    unknown = [f for f in report.findings if f.rule == "json-key-unknown"]
    assert len(unknown) == 1000 and unknown[-1].column > unknown[0].column
    assert len(scans) < 10
