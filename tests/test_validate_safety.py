"""Hostile input: the validator must answer with findings, never hang, crash, read a
local file or touch the network (issue 5, "Safe on hostile input")."""

from __future__ import annotations

import http.server
import resource
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pytest

from feedpub.validate import has_errors, validate_bytes
from servers.quiet import QuietHTTPServer

SECRET = "feedpub-secret-7f3a91c2"
ROOT = Path(__file__).resolve().parents[1]


def _rules(findings: list) -> list[str]:
    return [f.rule for f in findings]


def _no_secret(findings: list) -> None:
    assert all(SECRET not in f.message for f in findings)


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


class _CountingHandler(http.server.BaseHTTPRequestHandler):
    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = f'<!ENTITY leak "{SECRET}">'.encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def canary_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that records every request it receives."""
    handler = type("Handler", (_CountingHandler,), {"requests": []})
    server = QuietHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", handler.requests
    finally:
        server.shutdown()
        server.server_close()


def test_billion_laughs_is_an_error_and_quick() -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10))
    data = f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss>&lol9;</rss>'.encode()
    start = time.perf_counter()
    findings = validate_bytes(data)
    assert time.perf_counter() - start < 2
    assert _rules(findings) == ["xml-entity-expansion"]


def test_quadratic_blowup_is_not_expanded() -> None:
    big = "x" * 50_000
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "{big}">]>'
            f'<rss version="2.0"><channel><title>{"&a;" * 20_000}</title></channel></rss>').encode()
    start = time.perf_counter()
    findings = validate_bytes(data)
    assert time.perf_counter() - start < 5
    assert has_errors(findings)
    assert _rules(findings) == ["xml-entity-expansion"]


def test_an_entity_chain_too_deep_is_an_entity_expansion_finding() -> None:
    """Sixty entities each naming the next stop libxml2 with "Maximum entity nesting
    depth exceeded", which was filed as xml-not-well-formed: the document is well-formed,
    it is the expansion attack xml-entity-expansion names."""
    entities = '<!ENTITY e0 "x">' + "".join(f'<!ENTITY e{i} "&e{i - 1};">' for i in range(1, 60))
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
            "<title>&e59;</title></channel></rss>").encode()
    [finding] = validate_bytes(data)
    assert finding.rule == "xml-entity-expansion"
    assert finding.message.endswith("Maximum entity nesting depth exceeded")


@pytest.mark.parametrize("where", ["xhtml", "extension"])
def test_an_element_with_many_attributes_is_read_in_linear_time(where: str) -> None:
    """lxml's items() finds each value by name along the attribute list: the html-unsafe
    scan of xhtml content and the blank-attribute check of extension elements cost n * n,
    and one <p> of 100,000 attributes (1 MB) took 30 s."""
    attributes = " ".join(f'a{i}="x"' for i in range(40_000))
    if where == "xhtml":
        data = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:example:f</id>'
                '<updated>2024-01-01T00:00:00Z</updated><author><name>a</name></author><entry>'
                '<title>e</title><id>urn:example:e</id><updated>2024-01-01T00:00:00Z</updated>'
                '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
                f'<p {attributes} onclick="go()">x</p></div></content></entry></feed>')
        expected = "html-unsafe"
    else:
        data = ('<rss version="2.0" xmlns:media="http://search.yahoo.com/mrss/"><channel>'
                "<title>t</title><link>https://example.org/</link><description>d</description>"
                f'<item><title>x</title><media:content url="https://example.org/a" {attributes} '
                'b=""/></item></channel></rss>')
        expected = "ext-attribute-empty"
    start = time.perf_counter()
    findings = validate_bytes(data.encode())
    assert time.perf_counter() - start < 1.5
    assert expected in _rules(findings)


@pytest.mark.parametrize(("body", "detail"), [
    (b"<description>" + b"x" * 10_000_001 + b"</description>", "Text node too long"),
    (b"<description><![CDATA[" + b"x" * 10_000_001 + b"]]></description>",
     "Buffer size limit exceeded"),
    (b"<!--" + b"x" * 10_000_001 + b"-->", "Comment too big found"),
    (b"<" + b"x" * 50_001 + b"/>", "Name too long: NCName"),
])
def test_a_node_past_the_parser_limits_is_not_called_malformed(body: bytes, detail: str) -> None:
    """libxml2 stops at 10 MB of text (50,000 characters of name) without XML_PARSE_HUGE,
    which stays off; these well-formed documents were "not well-formed XML: Resource limit
    exceeded: Text node too long, try XML_PARSE_HUGE", naming a parser flag to a user."""
    data = (b'<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
            + body + b"</channel></rss>")
    [finding] = validate_bytes(data)
    assert finding.rule == "xml-node-too-large"
    assert finding.message.startswith("the document has a text, attribute value, comment or name "
                                      "longer than this validator reads (10,000,000 characters; "
                                      "50,000 for names), so it is not checked: ")
    assert finding.message.endswith(detail) and "XML_PARSE_HUGE" not in finding.message


def test_xxe_file_entity_is_never_read(secret_file: Path) -> None:
    data = (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "{secret_file.as_uri()}">]>'
            '<rss version="2.0"><channel><title>&xxe;</title><link>https://example.org/</link>'
            "<description>d</description></channel></rss>").encode()
    findings = validate_bytes(data)
    _no_secret(findings)
    assert _rules(findings) == ["xml-entity-external", "rss-self-link-missing"]


def test_xxe_parameter_entity_and_external_dtd_make_no_request(
    canary_server: tuple[str, list[str]], secret_file: Path
) -> None:
    base, requests = canary_server
    documents = [
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x SYSTEM "{base}/entity">]>'
        '<rss version="2.0"><channel><title>&x;</title></channel></rss>',
        f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "{base}/param"> %p;]>'
        '<rss version="2.0"><channel><title>&leak;</title></channel></rss>',
        f'<?xml version="1.0"?><!DOCTYPE rss SYSTEM "{base}/dtd">'
        '<rss version="2.0"><channel><title>&leak;</title></channel></rss>',
        '<?xml version="1.0"?><rss version="2.0" xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<channel><xi:include href="{base}/xinclude" parse="text"/>'
        f'<xi:include href="{secret_file.as_uri()}" parse="text"/></channel></rss>',
    ]
    for document in documents:
        findings = validate_bytes(document.encode())
        assert has_errors(findings)
        _no_secret(findings)
    assert requests == []


def test_internal_entities_are_a_warning_and_undefined_ones_an_error() -> None:
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    document = feed.replace("<rss ", '<!DOCTYPE rss [<!ENTITY org "Example">]>\n<rss ', 1)
    declared = document.replace("Minute by minute", "Minute by minute, &org;")
    assert [(f.severity, f.rule) for f in validate_bytes(declared.encode())] == [
        ("warning", "xml-entity-declared")]
    undefined = document.replace("Minute by minute", "Minute by minute, &nbsp;")
    assert [(f.severity, f.rule, f.line) for f in validate_bytes(undefined.encode())] == [
        ("error", "xml-entity-undefined", 7)]
    # With an external DTD (never loaded) libxml2 cannot know; we report the reference.
    external = feed.replace(
        "<rss ", '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/rss.dtd">\n<rss ', 1).replace(
        "Minute by minute", "Minute by minute, &nbsp;")
    assert [(f.severity, f.rule, f.line) for f in validate_bytes(external.encode())] == [
        ("warning", "xml-doctype", 1), ("error", "xml-entity-undefined", 7)]


def test_the_rss_091_dtd_declares_the_latin_1_entities() -> None:
    """An RSS 0.91 document naming its DTD may use the entities that DTD declares
    (&eacute;, &nbsp;... the Latin-1 set of HTML), as the W3C service accepts; others
    are still undefined, and so are the same names under another external DTD."""
    body = ('<rss version="0.91"><channel><title>Caf&eacute; &amp; cr&egrave;me</title>'
            "<link>http://cafe.example.com/</link><description>Daily&nbsp;news &mdash;</description>"
            "</channel></rss>")
    rss091 = ('<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" '
              '"http://www.rssboard.org/rss-0.91.dtd">\n' + body)
    findings = validate_bytes(rss091.encode())
    assert [f.rule for f in findings if f.severity == "error"] == ["xml-entity-undefined"]
    assert "&mdash;" in next(f.message for f in findings if f.severity == "error")
    other = '<!DOCTYPE rss SYSTEM "http://127.0.0.1:9/rss.dtd">\n' + body
    assert [f.rule for f in validate_bytes(other.encode()) if f.severity == "error"] == [
        "xml-entity-undefined"] * 4


def test_very_deep_document_is_an_error() -> None:
    data = b"<rss>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</rss>"
    start = time.perf_counter()
    findings = validate_bytes(data)
    assert time.perf_counter() - start < 5
    assert _rules(findings) == ["xml-too-deep"]


def test_very_deep_json_is_an_error() -> None:
    findings = validate_bytes(b'{"items": ' + b"[" * 200_000 + b"]" * 200_000 + b"}")
    assert has_errors(findings)
    assert _rules(findings)[0] in ("json-too-deep", "json-not-well-formed")


def test_oversized_input_is_refused_before_parsing() -> None:
    data = b'<rss version="2.0">' + b" " * 2_000_000 + b"</rss>"
    assert _rules(validate_bytes(data, max_bytes=1_000_000)) == ["feed-too-large"]


def test_many_attributes_and_long_names_do_not_crash() -> None:
    attributes = " ".join(f'a{i}="{i}"' for i in range(20_000))
    data = f'<rss version="2.0" {attributes}><channel/></rss>'.encode()
    findings = validate_bytes(data)
    assert has_errors(findings)
    assert "validator-internal-error" not in _rules(findings)


def test_public_doctype_is_neither_fetched_nor_an_error(
    canary_server: tuple[str, list[str]]
) -> None:
    base, requests = canary_server
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    document = feed.replace(
        "<rss ", f'<!DOCTYPE rss PUBLIC "-//Example//DTD RSS//EN" "{base}/rss.dtd">\n<rss ', 1)
    findings = validate_bytes(document.encode())
    assert [(f.severity, f.rule) for f in findings] == [("warning", "xml-doctype")]
    assert requests == []


def test_mutated_fixtures_never_crash_the_validator() -> None:
    """A small deterministic fuzz: cut, splice and flip bytes of our fixtures."""
    import random

    rng = random.Random(20241207)
    samples = [p.read_bytes() for p in sorted((Path(__file__).parent / "data" / "validate")
                                              .iterdir())]
    tokens = [b"<", b">", b"&", b'"', b"\x00", b"\xff", b"<![CDATA[", b"]]>", b"</item>",
              b"<entry>", b"{", b"}", b'"id":', b"&#0;", b"\xc3", b'xmlns:x="y"']
    for _ in range(400):
        data = bytearray(rng.choice(samples))
        for _ in range(rng.randint(1, 4)):
            pos = rng.randint(0, len(data))
            roll = rng.random()
            if roll < 0.4:
                data[pos:pos] = rng.choice(tokens)
            elif roll < 0.7:
                del data[pos:pos + rng.randint(1, 20)]
            else:
                data[pos:pos + 1] = bytes([rng.randint(0, 255)])
        findings = validate_bytes(bytes(data))
        assert "validator-internal-error" not in _rules(findings)


def _validate_with_memory_limit(path: Path, limit: int) -> tuple[subprocess.CompletedProcess[str],
                                                                  float]:
    """The whole command on ``path`` in a child whose address space is capped at ``limit``."""

    def cap() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "feedpub.validate", str(path)], cwd=ROOT,
                            capture_output=True, text=True, timeout=120, preexec_fn=cap,
                            check=False)
    return result, time.perf_counter() - start


@pytest.mark.parametrize(("entries", "rule"), [
    (6_000_000, "feed-too-many-elements"),  # 48 MB of <entry/>, under the 50 MiB cap (issue 11.12)
    (990_000, "atom-element-missing"),  # just under the element limit: checked, errors capped
])
def test_element_heavy_input_is_bounded_in_memory_and_time(
    tmp_path: Path, entries: int, rule: str
) -> None:
    path = tmp_path / "entries.xml"
    path.write_bytes(b'<feed xmlns="http://www.w3.org/2005/Atom">' + b"<entry/>" * entries
                     + b"</feed>")
    result, elapsed = _validate_with_memory_limit(path, 768 * 2**20)
    assert "Traceback" not in result.stderr and "MemoryError" not in result.stderr
    assert result.returncode == 1
    assert f" error {rule}: " in result.stdout
    assert elapsed < 20
    assert len(result.stdout.splitlines()) <= 1 + 2 * 1000  # the finding limits hold


def test_object_heavy_json_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "feed.json"
    path.write_bytes(b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": ['
                     + b"{}, " * 12_000_000 + b"{}]}")
    result, elapsed = _validate_with_memory_limit(path, 768 * 2**20)
    assert "Traceback" not in result.stderr
    assert result.returncode == 1
    assert " error feed-too-many-elements: " in result.stdout
    assert elapsed < 20


def test_findings_of_one_rule_are_capped_and_counted() -> None:
    items = "".join(f"<item><title>{i}</title><guid isPermaLink='false'></guid></item>"
                    for i in range(1500))
    data = ('<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
            f"<description>d</description>{items}</channel></rss>").encode()
    findings = validate_bytes(data)
    assert sum(f.rule == "rss-guid-empty" for f in findings) == 1000
    assert findings[-1].rule == "validator-findings-truncated"
    assert "500 more rss-guid-empty findings" in findings[-1].message


def _validate_in_child(tmp_path: Path, data: bytes) -> subprocess.CompletedProcess[str]:
    """The whole command on ``data``, in a child given a minute.

    For inputs on which the defect being guarded against costs hours or years (a
    pattern that backtracks exponentially, a quadratic scan of megabytes) and the fixed
    code milliseconds: the minute only stops a hang, it is not a speed requirement.
    """
    path = tmp_path / "hostile"
    path.write_bytes(data)
    return subprocess.run([sys.executable, "-m", "feedpub.validate", str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60, check=False)


def test_many_comments_before_a_missing_root_do_not_backtrack(tmp_path: Path) -> None:
    """Finding the root element once tried every grouping of the comments before it."""
    from feedpub.validate import root_element

    assert root_element(b"<!-- a --><!-- b -- c --><!-- <feed> --><rss>") == ("rss", "")
    result = _validate_in_child(tmp_path, b"<!---->" * 60 + b"!")
    assert result.returncode == 1
    assert " error xml-not-well-formed: " in result.stdout


@pytest.mark.parametrize("body", [
    "<p>" + "on" * 1_000_000,  # one long word of "on"s: each was a start that failed
    "<a>" + " onx=" * 1_000_000 + " javascript:" * 300_000,  # many hits outside any tag
], ids=["one-long-word", "many-hits-outside-tags"])  # not the megabyte bodies: pytest puts the
# id in PYTEST_CURRENT_TEST, and an environment string that long stops the child (E2BIG)
def test_long_descriptions_are_checked_for_scripts_in_one_pass(tmp_path: Path, body: str) -> None:
    """A hostile description once cost the square of its length (minutes to hours here)."""
    from xml.sax.saxutils import escape

    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    start = feed.index("<description>") + len("<description>")
    end = feed.index("</description>", start)
    result = _validate_in_child(tmp_path, (feed[:start] + escape(body) + feed[end:]).encode())
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    from feedpub.validate.html import unsafe_html

    assert unsafe_html("<p>on <a ononclick = 'x'>") == (
        "contains an event-handler attribute (ononclick)")
    assert unsafe_html("<a>onclick=x javascript:x") is None


def test_a_long_run_of_digits_is_not_split_every_way_as_a_number(tmp_path: Path) -> None:
    """The decimal-number pattern once tried every split of a run of digits (2 s for
    20,000 digits, hours for these two million)."""
    from feedpub.validate.extvalues import FLOAT

    assert [bool(FLOAT.fullmatch(v)) for v in ("1", "-1.", "+.5", "1.5", ".", "1.2.3")] == [
        True, True, True, True, False, False]
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    point = ('<geo:lat xmlns:geo="http://www.w3.org/2003/01/geo/wgs84_pos#">'
             + "1" * 2_000_000 + "x</geo:lat>")
    result = _validate_in_child(tmp_path, feed.replace("</item>", point + "</item>", 1).encode())
    assert result.returncode == 1
    assert " error ext-value-invalid: <geo:lat> " in result.stdout


@pytest.mark.parametrize(("element", "rule"), [
    ("<image><url>https://example.org/a.png</url><title>t</title><link>https://example.org/"
     "</link><width>" + "9" * 5000 + "</width></image>", "rss-image-size-invalid"),
    ("<skipHours><hour>" + "0" * 4999 + "7</hour></skipHours>", None),
    ("<skipHours><hour>" + "9" * 5000 + "</hour></skipHours>", "rss-skip-value-invalid"),
    ('<media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" url="https://example.org/a.png"'
     ' width="' + "9" * 5000 + '"/>', None),
    ('<media:thumbnail xmlns:media="http://search.yahoo.com/mrss/" url="https://example.org/a.png"'
     ' width="' + "0" * 5000 + '"/>', "ext-attribute-invalid"),
])
def test_numbers_longer_than_int_takes_are_checked_not_crashed_on(element: str,
                                                                 rule: str | None) -> None:
    """int() refuses more than 4,300 digits: such a width or hour was an internal error."""
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    findings = validate_bytes(feed.replace("<item>", element + "<item>", 1).encode())
    assert "validator-internal-error" not in _rules(findings)
    assert [r for r in _rules(findings) if r == rule] == ([rule] if rule else [])


def test_a_weekday_on_a_date_in_year_0000_is_checked_not_crashed_on() -> None:
    """datetime has no year 0, which RFC 822's four digits allow: that was an internal error."""
    from feedpub.validate.dates import rfc822

    assert rfc822("Sat, 01 Jan 0000 00:00:00 GMT") is None  # as 2000-01-01, 400 years on
    assert rfc822("Sun, 01 Jan 0000 00:00:00 GMT") == "weekday"
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    dated = feed.replace("<item>", "<item><pubDate>Sun, 01 Jan 0000 00:00:00 GMT</pubDate>", 1)
    assert "<pubDate>" in dated
    assert "validator-internal-error" not in _rules(validate_bytes(dated.encode()))


def test_columns_on_a_one_line_feed_read_the_line_once(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each element name a finding was about searched the whole line again: thousands of
    names on a 10 MB line (a minified feed) took half a minute."""
    from feedpub.validate import findings as findings_module

    scans: list[int] = []
    original = findings_module._tag_starts

    def counting(*args: str) -> object:
        scans.append(1)
        return original(*args)

    monkeypatch.setattr(findings_module, "_tag_starts", counting)
    unknown = "".join(f"<x{i}/>" for i in range(300)) + "<x7 /><x7>x</x7>"
    data = ('<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
            f"<description>d</description>{unknown}</channel></rss>").encode()
    found = [(f.rule, f.message.split(">")[0], f.column) for f in validate_bytes(data)]
    x7 = [column for rule, name, column in found if name == "<x7"]
    text = data.decode()
    assert x7 == [text.index("<x7/>") + 1, text.index("<x7 />") + 1, text.index("<x7>") + 1]
    assert len(scans) == 1


def test_an_open_string_before_many_brackets_is_scanned_once(tmp_path: Path) -> None:
    """The count of JSON objects and arrays (made before parsing, past 500,000 brackets)
    restarted at every escaped quote of a string left open, scanning to the end each
    time: these 540 KB took minutes."""
    result = _validate_in_child(tmp_path, b'{"a":"' + b'\\"' * 20_000 + b"[" * 500_001)
    assert result.returncode == 1
    assert " error json-not-well-formed: " in result.stdout


@pytest.mark.parametrize("codec", ["utf-32-le", "utf-32-be"])
def test_utf32_without_a_bom_labelled_utf8_is_a_mismatch(codec: str) -> None:
    """The declaration of UTF-32 without a byte-order mark was read as UTF-16, so
    encoding="utf-8" on UTF-32 bytes went unreported (libxml2 parsed it anyway)."""
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    assert feed.startswith('<?xml version="1.0" encoding="utf-8"?>')
    assert _rules(validate_bytes(feed.encode(codec))) == ["xml-encoding-mismatch"]
    declared = feed.replace('encoding="utf-8"', f'encoding="{codec}"', 1)
    assert _rules(validate_bytes(declared.encode(codec))) == []


@pytest.mark.parametrize(("codec", "bom", "label", "message"), [
    ("utf-32-le", b"", "UTF-16",
     'the XML declaration says "UTF-16" but the bytes are UTF-32 (little-endian)'),
    ("utf-32-be", b"", "utf-16",
     'the XML declaration says "utf-16" but the bytes are UTF-32 (big-endian)'),
    ("utf-16-le", b"", "UTF-32",
     'the XML declaration says "UTF-32" but the bytes are UTF-16 (little-endian)'),
    ("utf-16-be", b"", "UTF-16LE",
     'the XML declaration says "UTF-16LE" but the bytes are UTF-16 (big-endian)'),
    ("utf-32-le", b"", "UTF-32BE",
     'the XML declaration says "UTF-32BE" but the bytes are UTF-32 (little-endian)'),
    ("utf-16-le", b"\xff\xfe", "UTF-16BE",
     'byte-order mark says UTF-16 (little-endian) but the XML declaration says "UTF-16BE"'),
])
def test_a_wide_encoding_labelled_with_another_width_or_order_is_a_mismatch(
    codec: str, bom: bytes, label: str, message: str
) -> None:
    """Only "single-byte or not" was compared, so UTF-32 bytes declared "UTF-16" (or
    UTF-16 declared "UTF-32", or the other byte order) passed: libxml2 goes by the bytes,
    while a reader that trusts the label reads nonsense."""
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    data = bom + feed.replace('encoding="utf-8"', f'encoding="{label}"', 1).encode(codec)
    [finding] = validate_bytes(data)
    assert (finding.rule, finding.message, finding.line) == ("xml-encoding-mismatch", message, 1)
    declared = feed.replace('encoding="utf-8"', f'encoding="{codec}"', 1)  # what fits
    assert _rules(validate_bytes(bom + declared.encode(codec))) == []


@pytest.mark.parametrize(("codec", "declaration", "message"), [
    ("utf-16-le", "", "the bytes are UTF-16 (little-endian) with neither a byte-order mark nor "
     "an encoding declaration, so XML takes them for UTF-8 (XML 1.0 4.3.3): add a byte-order "
     'mark or declare encoding="UTF-16LE"'),
    ("utf-16-be", '<?xml version="1.0"?>\n', "the bytes are UTF-16 (big-endian) with neither a "
     "byte-order mark nor an encoding declaration, so XML takes them for UTF-8 (XML 1.0 4.3.3): "
     'add a byte-order mark or declare encoding="UTF-16BE"'),
    ("utf-32-le", "", "the bytes are UTF-32 (little-endian) with neither a byte-order mark nor "
     "an encoding declaration, so XML takes them for UTF-8 (XML 1.0 4.3.3): add a byte-order "
     'mark or declare encoding="UTF-32LE"'),
    ("utf-16-le", '<?xml version="1.0" encoding="UTF-16"?>\n', 'the XML declaration says '
     '"UTF-16" but the bytes have no byte-order mark, which UTF-16 must begin with (XML 1.0 '
     '4.3.3): add one, or declare "UTF-16LE"'),
])
def test_utf16_or_utf32_without_a_bom_must_be_declared(codec: str, declaration: str,
                                                       message: str) -> None:
    """XML 1.0 4.3.3: without a byte-order mark or an encoding declaration a document is
    UTF-8, and UTF-16 must begin with a byte-order mark. libxml2 guessed UTF-32 and
    declared-less UTF-16 after "<?xml" from the zero bytes (exit 0), and other UTF-16
    was "feed-empty: Document is empty" or a "Char 0x0" error."""
    feed = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
    body = feed.split("?>\n", 1)[1]
    [finding] = validate_bytes((declaration + body).encode(codec))
    assert (finding.rule, finding.message, finding.line) == ("xml-encoding-mismatch", message, 1)
    bom = "\ufeff" + declaration.replace("UTF-16", codec) + body
    assert _rules(validate_bytes(bom.encode(codec))) == []  # with its BOM, it is fine


def test_a_finding_quoting_a_huge_value_stays_a_readable_line() -> None:
    """The JSON Feed "version" (or an XML namespace) was quoted whole: a 5 MB value, or
    a million-member array, made a 5 MB line of output."""
    from feedpub.validate.findings import MAX_MESSAGE

    for value in ('"' + "x" * 5_000_000 + '"', "[" + "1," * 1_000_000 + "1]"):
        data = f'{{"version": {value}, "title": "t", "items": []}}'.encode()
        [finding] = [f for f in validate_bytes(data) if f.rule == "json-version-invalid"]
        assert len(finding.message) == MAX_MESSAGE
        assert finding.message.startswith('version "')
        assert finding.message[-1] == "…"
    namespace = "urn:" + "n" * 3_000_000
    [finding] = validate_bytes(f'<feed xmlns="{namespace}"/>'.encode())
    assert finding.rule == "atom-namespace-invalid" and len(finding.message) == MAX_MESSAGE


def test_libxml2_messages_lose_their_newline_before_the_position() -> None:
    """libxml2 says "...out of allowed range\\n, line 1, column 2": with the position cut
    off, the newline was left at the end and printed a blank line after the finding."""
    [finding] = validate_bytes(b"<r>\x00</r>")  # (UTF-16 without a BOM is now caught first)
    assert finding.rule == "xml-forbidden-char"
    assert finding.message.endswith("Char 0x0 out of allowed range")
