"""Unit tests for the value checkers the rules are built on: dates, URIs, e-mail,
MIME types, language tags and unsafe HTML."""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.validate import validate_bytes
from feedpub.validate.dates import rfc822, rfc3339, w3cdtf
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import (
    is_addr_spec,
    is_language,
    is_mime_type,
    rss_contact_problem,
    uri_problem,
)


@pytest.mark.parametrize("value", [
    "Sat, 07 Dec 2024 09:00:00 GMT", "Sat, 7 Dec 2024 09:00 GMT", "07 Dec 2024 09:00:00 +0100",
    "Sat,07 Dec 2024 09:00:00 -0500", "Sat, 07 Dec 24 09:00:00 EST", "Sat, 07 Dec 2024 09:00:00 Z",
    "Sat, 07 Dec 2024 09:00:00 UT", "Thu, 29 Feb 2024 23:59:60 PDT",
    "Sat (day), 07 Dec(ember) 2024 09:00:00 GMT (comment)", " Sat, 07 Dec 2024 09:00:00 GMT ",
    "SAT, 07 DEC 2024 09:00:00 gmt", "sat, 07 dec 2024 09:00:00 +0000",
])
def test_rfc822_accepts(value: str) -> None:
    assert rfc822(value) is None


@pytest.mark.parametrize("value", [
    "Sat, 7 Dec 2024 25:00 GMT", "Sat, 07 Dec 2024 09:60:00 GMT", "Fri, 30 Feb 2024 09:00:00 GMT",
    "2024-12-07T09:00:00Z", "Sat, 07 December 2024 09:00:00 GMT", "Saturday, 07 Dec 2024 09:00 GMT",
    "Sat, 07 Dec 2024 09:00:00", "Sat, 07 Dec 2024 09:00:00 +00:00", "Sat, 07 Dec 2024 9:00:00 GMT",
    "", "Sat, 07 Dec 2024 09:00:00 UTC",
])
def test_rfc822_rejects(value: str) -> None:
    problem = rfc822(value)
    assert problem is not None and problem != "weekday"


def test_rfc822_weekday_mismatch_is_its_own_verdict() -> None:
    assert rfc822("Fri, 07 Dec 2024 09:00:00 GMT") == "weekday"
    assert rfc822("FRI, 07 DEC 2024 09:00:00 GMT") == "weekday"


@pytest.mark.parametrize("value", [
    "2024-12-07T09:00:00Z", "2024-12-07T09:00:00.123+05:30", "2024-02-29T23:59:60-00:00",
    "1900-01-01T00:00:00Z", "2016-12-31T23:59:60Z", "2016-12-31T18:59:60.5-05:00",
    "2017-01-01T00:59:60+01:00", "9999-12-31T23:59:60Z",
])
def test_rfc3339_accepts(value: str) -> None:
    assert rfc3339(value) is None


@pytest.mark.parametrize("value", [
    "2024-12-07t09:00:00z", "2024-12-07 09:00:00Z", "2024-12-07T09:00Z", "2024-12-07",
    "2024-13-07T09:00:00Z", "2023-02-29T09:00:00Z", "2024-12-07T24:00:00Z",
    "2024-12-07T09:00:00+0100", " 2024-12-07T09:00:00Z", "2024-12-07T09:00:00",
])
def test_rfc3339_rejects(value: str) -> None:
    assert rfc3339(value) is not None


def test_rfc3339_lower_case_is_allowed_outside_atom() -> None:
    assert rfc3339("2024-12-07t09:00:00z", strict_case=False) is None


@pytest.mark.parametrize(("value", "valid"), [
    ("2024", True), ("2024-12", True), ("2024-12-07", True), ("2024-12-07T09:00Z", True),
    ("2024-12-07T09:00:00.5+01:00", True), ("2024-12-07T09:00", False), ("2024-13", False),
    ("07/12/2024", False), ("", False),
    ("2016-12-31T23:59:60Z", False),  # W3C-NOTE-datetime: seconds 00 through 59, no leap second
])
def test_w3cdtf(value: str, valid: bool) -> None:
    assert (w3cdtf(value) is None) == valid


@pytest.mark.parametrize(("value", "iri", "absolute", "valid"), [
    ("https://example.org/a?b=c#d", True, True, True),
    ("http://[::1]:8080/x", True, True, True),
    ("/relative/path", True, False, True),
    ("/relative/path", True, True, False),
    ("https://example.org/a b", True, False, False),
    ("https://example.org/bücher", True, True, True),
    ("https://example.org/bücher", False, True, False),
    ("https://example.org/%zz", True, True, False),
    ("http:/example.org", True, True, False),
    (" https://example.org/", True, True, False),
    ("tag:example.org,2024-12-07:live/1", True, True, True),
    ("tag:example.org,2024-13:live/1", True, True, False),
    ("tag:example.org:live/1", True, True, False),
    ("urn:isbn:0451450523", True, True, True),
    ("urn:a.b:c", True, True, False),
    ("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", True, True, True),
    ("urn:uuid:1225c695-cfb8-4ebb-aaaa", True, True, False),
    ("mailto:news@example.org", True, True, True),
    ("http://[fe80::1%25eth0]/", True, True, True),
    ("http://example.org:65535/", True, True, True),
    ("http://example.org:000080/", True, True, True),
    ("http://example.org:/", True, True, True),
    ("http://[::1", True, True, False),
    ("//[::1", True, False, False),
    ("http://[::1]x/", True, True, False),
    ("http://[1.2.3.4]/", True, True, False),
    ("http://exa[mple.org/", True, True, False),
    ("http://example.org:99999/", True, True, False),
    ("ftp://example.org:65536/", True, True, False),
    ("http://example.org:8a/", True, True, False),
    ("http://user%40example.org@example.org/", True, True, True),
    ("http://a@b@example.org/", True, True, False),
    ("//a@b@example.org/", True, False, False),
    ("1http://example.org/", True, False, False),
    ("2024:notes", True, False, False),
    ("./2024:notes", True, False, True),
    ("notes?at=12:00#t:1", True, False, True),
])
def test_uri_problem(value: str, iri: bool, absolute: bool, valid: bool) -> None:
    assert (uri_problem(value, iri=iri, absolute=absolute) is None) == valid


@pytest.mark.parametrize(("value", "valid"), [
    ("news@example.org", True), ("jane+live@example", True), ("Jane <jane@example.org>", False),
    ("jane at example.org", False), ("jane@example.org (Jane)", False),
    # RFC 2822 3.4.1: a quoted-string local part, a domain-literal
    ('"jane doe"@example.org', True), ('"jane\\"q"@example.org', True),
    ("jane@[192.0.2.1]", True), ('"jane@example.org', False), ("jane@[192.0.2.1", False),
])
def test_addr_spec(value: str, valid: bool) -> None:
    assert is_addr_spec(value) == valid


@pytest.mark.parametrize(("value", "valid"), [
    ("news@example.org", True), ("news@example.org (The Newsroom)", True),
    ("mailto:news@example.org", True), ("The Newsroom", False),
    ("The Newsroom (mailto:news@example.org)", False), ("The Newsroom <news@example.org>", True),
    ("<news@example.org>", True), ("The Newsroom <news at example.org>", False),
    # an RFC 822 comment may hold another: the name can have parentheses of its own
    ("news@example.org (Jane Doe (Editor))", True), ("news@example.org (Jane (Ed)", False),
    ("news@[192.0.2.1] (Desk)", True),
])
def test_rss_contact(value: str, valid: bool) -> None:
    assert (rss_contact_problem(value) is None) == valid


@pytest.mark.parametrize(("value", "valid"), [
    ("text/html", True), ("application/atom+xml; charset=utf-8", True), ("audio/mpeg", True),
    ("html", False), ("text/", False), ("", False),
])
def test_mime_type(value: str, valid: bool) -> None:
    assert is_mime_type(value) == valid


@pytest.mark.parametrize(("value", "valid"), [
    ("en", True), ("en-GB", True), ("zh-Hant-TW", True), ("x-klingon", True), ("ast", True),
    ("", False), ("english language", False), ("english", False), ("en_GB", False),
    ("zz", False), ("EN-us", True), ("iw", True), ("xx-GB", False), ("i-klingon", True),
])
def test_language(value: str, valid: bool) -> None:
    assert is_language(value) == valid


@pytest.mark.parametrize(("markup", "expected"), [
    ("<p>Plain, on the one hand.</p>", None),
    ("no markup at all; javascript: is just a word here", None),
    ("<p>one = two</p> onion=1", None),
    ("<SCRIPT>alert(1)</SCRIPT>", "contains a <script> element"),
    ("<iframe src='https://example.org'></iframe>", "contains a <iframe> element"),
    ('<img src="a.png" onerror="x()">', "contains an event-handler attribute (onerror)"),
    ("<body onload = 'x()'>", "contains an event-handler attribute (onload)"),
    ('<a href="javascript:alert(1)">x</a>', "contains a javascript: URL"),
    ('<a href="JavaScript :alert(1)">x</a>', "contains a javascript: URL"),
])
def test_unsafe_html(markup: str, expected: str | None) -> None:
    assert unsafe_html(markup) == expected


@pytest.mark.parametrize(("markup", "expected"), [
    ('<img src="c.png" alt="Cover of JavaScript: The Good Parts">', None),
    ('<img src="c.png" alt="JavaScript: The Good Parts">', None),
    ('<a href="https://example.org/?q=javascript:void">x</a>', None),
    ('<a href="https://example.org/" title="a b onclick=x">x</a>', None),
    ("<abbr title='onion=good'>x</abbr>", None),
    ('<a title="it\'s" href=" javascript:alert(1)">x</a>', "contains a javascript: URL"),
    ("<a href='vbscript:x'>x</a>", "contains a vbscript: URL"),
    ("<a href=javascript:alert(1)>x</a>", "contains a javascript: URL"),
    ('<a title="x" onclick="y">x</a>', "contains an event-handler attribute (onclick)"),
    ('<a title="a > b" onclick="y">x</a>', "contains an event-handler attribute (onclick)"),
    ('<p title="unclosed onclick=x>', None),
])
def test_unsafe_html_reads_attribute_values_as_values(markup: str, expected: str | None) -> None:
    """Words inside a quoted attribute value (an alt text, a title, a search address) are
    not a handler or a script URL; a value that starts with javascript: is."""
    assert unsafe_html(markup) == expected


@pytest.mark.parametrize(("old", "new", "rule"), [
    ("<ttl>60</ttl>", "<ttl>\uff16\uff10</ttl>", "rss-ttl-invalid"),  # fullwidth "60"
    ("07 Dec 2024", "07 Dec \u0662\u0660\u0662\u0664", "rss-pubdate-invalid"),  # Arabic-Indic
])
def test_digits_of_other_scripts_are_not_numbers_or_dates(old: str, new: str, rule: str) -> None:
    """Python's \\d matches "٢" and "６"; the specifications' DIGIT is ASCII 0-9 only, and
    such a date or number was accepted as valid."""
    assert rfc3339("\u0662\u0660\u0662\u0664-01-01T00:00:00Z") is not None
    assert rfc822("Mon, 01 Jan \u0662\u0660\u0662\u0664 00:00:00 GMT") is not None
    assert w3cdtf("\u0662\u0660\u0662\u0664") is not None
    fixture = Path(__file__).parent / "data" / "validate" / "rss_valid.xml"
    feed = fixture.read_text().replace("<item>", "<ttl>60</ttl><item>", 1)
    assert old in feed and validate_bytes(feed.encode()) == []
    findings = validate_bytes(feed.replace(old, new).encode())
    assert rule in [f.rule for f in findings]


@pytest.mark.parametrize(("url", "problem"), [
    ("http://[::1", '"http://[::1" has an IPv6 address with no closing ] (RFC 3986 3.2.2)'),
    ("http://example.org:99999/",
     '"http://example.org:99999/" has port 99999, beyond the highest port number, 65535'),
])
def test_a_url_with_an_impossible_host_or_port_is_invalid(url: str, problem: str) -> None:
    """The URL checks let "[", "]" and ":" through anywhere, so an IP literal left open and
    a port past 65535 passed, though neither names a server a reader can reach."""
    feed = ('<rss version="2.0"><channel><title>t</title>'
            f"<link>{url}</link><description>d</description></channel></rss>").encode()
    found = [(f.rule, f.message) for f in validate_bytes(feed) if f.severity == "error"]
    assert found == [("rss-url-invalid", f"<link> {problem}")]


def test_a_second_at_sign_in_the_authority_is_invalid() -> None:
    """userinfo (RFC 3986 3.2.1) has no "@": in "http://a@b@example.org/" readers split
    at different "@"s and so reach different hosts, yet every URL check accepted it."""
    feed = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:example:y</id>'
            b'<updated>2024-12-07T09:00:00Z</updated><author><name>a</name></author>'
            b'<link href="http://a@b@example.org/"/></feed>')
    found = [(f.rule, f.message) for f in validate_bytes(feed) if f.severity == "error"]
    assert found == [("atom-uri-invalid", '<link> href "http://a@b@example.org/" has more than '
                      'one "@" in its authority (user information cannot hold "@"; write %40)')]


def test_a_relative_reference_starting_with_a_colon_segment_is_invalid() -> None:
    """RFC 3986 4.2: "1http://example.org/" has no valid scheme, and as a relative path
    its first segment holds ":", which no relative reference may; Atom's relative-IRI
    checks (link href, xml:base, uri, icon...) accepted it."""
    feed = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:example:y</id>'
            b'<updated>2024-12-07T09:00:00Z</updated><author><name>a</name></author>'
            b'<link href="1http://example.org/"/></feed>')
    found = [(f.rule, f.message) for f in validate_bytes(feed) if f.severity == "error"]
    assert found == [("atom-uri-invalid", '<link> href "1http://example.org/" is not a URI '
                      'reference: "1http" is not a scheme, and a relative path cannot start '
                      'with a segment holding ":" (RFC 3986 4.2)')]


@pytest.mark.parametrize("value", [
    "2024-01-01T00:00:60Z", "2024-02-28T23:59:60Z", "2016-12-31T23:59:60+01:00",
    "2024-03-31T23:58:60Z",
])
def test_rfc3339_second_60_only_at_a_leap_second(value: str) -> None:
    """RFC 3339 5.7: second 60 exists only at 23:59:60 UTC at the end of a month (in
    other zones, shifted by the offset); "00:00:60" was accepted on any day."""
    assert rfc3339(value) == ("is not an RFC 3339 date-time (second 60 is a leap second, "
                              "only at 23:59:60 UTC on the last day of a month, RFC 3339 5.7)")


def test_a_date_with_white_space_around_it_says_so() -> None:
    """Findings quote values with white space collapsed, so an Atom date that failed only
    for a leading space read '<updated> "2024-01-01T00:00:00Z" is not an RFC 3339
    date-time', quoting a valid date as the invalid one."""
    feed = (b'<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title><id>urn:example:y</id>'
            b'<updated> 2024-01-01T00:00:00Z\n</updated><author><name>a</name></author></feed>')
    [finding] = [f for f in validate_bytes(feed) if f.rule == "atom-date-invalid"]
    assert finding.message == ('<updated> "2024-01-01T00:00:00Z" is not an RFC 3339 date-time '
                               "(it has white space around it)")


@pytest.mark.parametrize(("port", "problem"), [
    ("80", None), ("065535", None),
    ("65536", '<cloud> port "65536" is over 65535, the highest TCP port'),
    ("9" * 5000, '<cloud> port "' + "9" * 59 + '…" is over 65535, the highest TCP port'),
    ("0", '<cloud> port "0" is 0, a reserved port no server can listen on (RFC 6335 6)'),
    ("000", '<cloud> port "000" is 0, a reserved port no server can listen on (RFC 6335 6)'),
])
def test_a_cloud_port_is_a_tcp_port(port: str, problem: str | None) -> None:
    """<cloud port> is where readers register (RSS 2.0, "cloud"): any whole number passed,
    though no server listens past 65535, the limit the URL checks now apply too."""
    feed = ('<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
            f'<description>d</description><cloud domain="rpc.example.org" port="{port}" '
            'path="/RPC2" registerProcedure="p" protocol="xml-rpc"/></channel></rss>').encode()
    found = [f.message for f in validate_bytes(feed) if f.rule == "rss-cloud-invalid"]
    assert found == ([problem] if problem else [])


def test_rss_in_a_namespace_says_so() -> None:
    """<rss xmlns="http://backend.userland.com/rss2"> was told "<rss> is not the root of
    an RSS 2.0 or Atom 1.0 document", which names the element it is about as not RSS."""
    feed = (b'<rss version="2.0" xmlns="http://backend.userland.com/rss2"><channel><title>t'
            b"</title><link>https://example.org/</link><description>d</description></channel></rss>")
    [finding] = validate_bytes(feed)
    assert (finding.rule, finding.message) == (
        "feed-root-unknown", '<rss> is in namespace "http://backend.userland.com/rss2", but RSS '
        "2.0 elements are in no namespace: remove the xmlns")


@pytest.mark.parametrize(("version", "expected"), [
    ("0.91", [("warning", "rss-version-old")]),
    ("0.92", [("warning", "rss-version-old")]),
    ("2.0", [("error", "rss-element-unknown")]),
])
def test_textinput_is_the_channel_element_of_rss_091_and_092(
    version: str, expected: list[tuple[str, str]],
) -> None:
    """RSS 0.91 (its DTD) and 0.92 spell it <textinput>; RSS 2.0 renamed it <textInput>,
    so only there is the lower-case name unknown."""
    feed = (f'<rss version="{version}"><channel><title>t</title><link>http://example.org/</link>'
            "<description>d</description><textinput><title>Go</title><description>Search"
            "</description><name>q</name><link>http://example.org/search</link></textinput>"
            "</channel></rss>").encode()
    findings = validate_bytes(feed)
    assert [(f.severity, f.rule) for f in findings if f.rule != "rss-self-link-missing"] == expected
    if version != "2.0":  # checked as a textInput: its four children are required
        broken = feed.replace(b"<name>q</name>", b"")
        assert "rss-element-missing" in [f.rule for f in validate_bytes(broken)]


@pytest.mark.parametrize(("url", "rules"), [
    ("https://cdn.example.org/ep1.mp3?source=rss&amp;v=2", []),
    ("/media/ep1.mp3", ["rss-url-invalid"]),  # a site-relative path from a template
    ("ep1.mp3", ["rss-url-invalid"]),
    ("//cdn.example.org/ep1.mp3", ["rss-url-invalid"]),  # scheme-relative
    ("https://cdn.example.org/episode 1.mp3", ["rss-url-invalid"]),  # an unencoded space
])
def test_an_enclosure_url_is_an_absolute_http_url(url: str, rules: list[str]) -> None:
    """RSS 2.0 "enclosure": url "says where the enclosure is located ... must be an http
    url"; readers download it without knowing the page it came from."""
    feed = ("<rss version=\"2.0\"><channel><title>t</title><link>https://example.org/</link>"
            "<description>d</description><item><title>Episode 1</title>"
            f'<enclosure url="{url}" length="1200" type="audio/mpeg"/>'
            '<guid isPermaLink="false">ep1</guid></item></channel></rss>').encode()
    assert [f.rule for f in validate_bytes(feed) if f.severity == "error"] == rules


def test_comments_and_processing_instructions_are_not_part_of_a_value() -> None:
    """XML 1.0 2.5 and 2.6: a comment or PI inside an element is not character data; the
    text on either side of it is the element's value, read whole."""
    feed = ('<rss version="2.0"><channel><title>t</title><link>https://example.org/</link>'
            '<description>d</description><!-- podcast_generator="Example/1.0" --><item>'
            "<title>a<!-- b -->c</title><link>https://example.org/<?php echo 1 ?>a</link>"
            '<guid isPermaLink="false">a</guid>'
            "<pubDate>Mon, 02 Dec 2024 <!-- set by the CMS -->10:00:00 GMT</pubDate>"
            "</item></channel></rss>")
    assert [f.rule for f in validate_bytes(feed.encode()) if f.severity == "error"] == []
    wrong = feed.replace("Mon, 02 Dec", "Tue, 02 Dec")
    assert [f.rule for f in validate_bytes(wrong.encode()) if f.severity == "error"] == [
        "rss-date-weekday-mismatch"]
    atom = ('<feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>'
            "<id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>"
            "<updated>2024-12-04T<!-- noon -->12:00:00Z</updated><author><name>a</name></author>"
            "</feed>")
    assert [f.rule for f in validate_bytes(atom.encode()) if f.severity == "error"] == []


@pytest.mark.parametrize(("content", "expected"), [
    ('<opds:price currencycode="USD">0.99</opds:price>', []),  # OPDS 1.2 acquisition links
    ('<opds:indirectAcquisition type="application/epub+zip"/>', []),
    ("https://example.org/book", ["atom-link-not-empty"]),  # the Atom 0.2 form
    ("<title>Buy</title>", ["atom-link-not-empty"]),  # an Atom element: not an extension
])
def test_an_atom_link_may_hold_extension_elements(content: str, expected: list[str]) -> None:
    """RFC 4287 4.2.7: atom:link's content is undefinedContent (text or foreign
    elements) with no meaning; foreign elements there are extensions, not a mistake."""
    feed = ('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:opds="http://opds-spec.org/2010/catalog">'
            "<title>t</title><id>urn:uuid:60a76c80-d399-11d9-b93c-0003939e0af6</id>"
            '<updated>2024-12-04T12:00:00Z</updated><author><name>a</name></author>'
            '<link rel="self" href="https://example.org/feed"/>'
            '<link rel="http://opds-spec.org/acquisition/buy" href="https://example.org/buy" '
            f'type="text/html">{content}</link></feed>')
    assert [f.rule for f in validate_bytes(feed.encode())] == expected


# --- RSS 1.0 and 0.90 (RDF Site Summary 1.0, sections 5.2 to 5.6) -------------------

_RDF_HEAD = ('<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
             'xmlns="http://purl.org/rss/1.0/" '
             'xmlns:tb="http://madskills.com/public/xml/rss/module/trackback/">\n')


def _rss1(channel_extra: str = "", items: str = "", rest: str = "", about: str = "") -> bytes:
    lis = "".join(f'<rdf:li rdf:resource="https://e.org/{i}"/>' for i in ("1",))
    return (_RDF_HEAD + f'<channel rdf:about="https://e.org/rdf"><title>t</title>'
            f"<link>https://e.org/</link><description>d</description>{channel_extra}"
            f"<items><rdf:Seq>{items or lis}</rdf:Seq></items></channel>\n"
            f'<item rdf:about="{about or "https://e.org/1"}"><title>i</title>'
            f"<link>https://e.org/1</link></item>\n{rest}</rdf:RDF>").encode()


def _found(data: bytes) -> list[tuple[str, str]]:
    return [(f.severity, f.rule) for f in validate_bytes(data)]


def test_rss1_minimal_feed_is_clean() -> None:
    assert _found(_rss1()) == []


def test_rss1_trackback_takes_rdf_resource() -> None:
    """The trackback module's RSS 1.0 form is <trackback:ping rdf:resource="URL"/>."""
    data = _rss1().replace(b"</item>", b'<tb:ping rdf:resource="https://e.org/tb/1"/></item>')
    assert _found(data) == []
    bad = _rss1().replace(b"</item>", b'<tb:ping rdf:resource="not a url"/></item>')
    assert _found(bad) == [("error", "ext-url-invalid")]


def test_rss1_unqualified_about_and_resource_are_rdf_1999_forms() -> None:
    data = _rss1(items='<rdf:li resource="https://e.org/1"/>').replace(
        b'<item rdf:about=', b'<item about=')
    assert _found(data) == []


def test_rss1_item_not_listed_in_items_is_a_warning() -> None:
    assert _found(_rss1(about="https://e.org/other")) == [
        ("warning", "rss1-reference-mismatch"), ("warning", "rss1-reference-mismatch")]


def test_rss1_image_needs_a_channel_reference_and_an_about() -> None:
    image = "<image><title>t</title><url>https://e.org/i.png</url><link>https://e.org/</link></image>"
    assert sorted(_found(_rss1(rest=image))) == [
        ("error", "rss-element-missing"), ("error", "rss1-about-missing")]
    ref = '<image rdf:resource="https://e.org/i.png"/>'
    good = image.replace("<image>", '<image rdf:about="https://e.org/i.png">')
    assert _found(_rss1(channel_extra=ref, rest=good)) == []
    assert _found(_rss1(channel_extra=ref)) == [("warning", "rss1-reference-mismatch")]


def test_rss1_items_needs_a_seq_with_resources() -> None:
    data = _rss1(items='<rdf:li/>')
    assert _found(data) == [("error", "rss1-resource-missing"),
                            ("warning", "rss1-reference-mismatch")]
    no_seq = _rss1().replace(b"<items><rdf:Seq>", b"<items><x>").replace(
        b"</rdf:Seq></items>", b"</x></items>")
    assert ("error", "rss-element-missing") in _found(no_seq)


def test_rdf_without_an_rss_channel_is_not_a_feed() -> None:
    data = (_RDF_HEAD.replace('xmlns="http://purl.org/rss/1.0/"', 'xmlns="urn:x-other"')
            + "<channel/></rdf:RDF>").encode()
    assert _found(data) == [("error", "feed-format-unsupported")]
    data = b'<RDF xmlns="urn:x-not-rdf"><channel/></RDF>'
    assert _found(data) == [("error", "feed-format-unsupported")]


def test_rss_090_is_checked_with_a_warning() -> None:
    data = (b'<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
            b'xmlns="http://my.netscape.com/rdf/simple/0.9/"><channel><title>t</title>'
            b"<link>https://e.org/</link><description>d</description></channel>"
            b"<item><title>i</title><link>https://e.org/1</link></item></rdf:RDF>")
    assert _found(data) == [("warning", "rss-version-old")]
    assert _found(data.replace(b"<link>https://e.org/1</link>", b"")) == [
        ("warning", "rss-version-old"), ("error", "rss-element-missing")]


@pytest.mark.parametrize(("version", "conflict"), [
    ("0.91", False), ("0.92", True), ("2.0", True), ("2.0.1", True)])
def test_an_rss_091_dtd_fits_only_version_091(version: str, conflict: bool) -> None:
    """The RSS 0.91 DTD declares 0.91's elements only: on 0.92 (which adds enclosure,
    source, category, cloud) or 2.0 it contradicts the version attribute."""
    feed = ('<?xml version="1.0"?>\n<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS '
            '0.91//EN" "http://www.rssboard.org/rss-0.91.dtd">\n'
            f'<rss version="{version}"><channel><title>t</title><link>https://e.org/</link>'
            "<description>d</description><language>en</language></channel></rss>").encode()
    found = [f.rule for f in validate_bytes(feed) if f.severity == "error"]
    assert found == (["rss-doctype-conflict"] if conflict else [])


def _atom_with(feed_extra: str = "", entry_extra: str = "") -> list[tuple[str, str]]:
    data = ('<feed xmlns="http://www.w3.org/2005/Atom" xmlns:app="http://www.w3.org/2007/app">'
            '<title>t</title><id>tag:e.org,2024:f</id><updated>2024-03-18T10:00:00Z</updated>'
            '<link rel="self" href="https://e.org/f"/><author><name>a</name></author>'
            f'{feed_extra}<entry><title>e</title><id>tag:e.org,2024:1</id>'
            '<updated>2024-03-18T10:00:00Z</updated><link href="https://e.org/1"/>'
            f"{entry_extra}</entry></feed>").encode()
    return [(f.severity, f.rule) for f in validate_bytes(data)]


@pytest.mark.parametrize(("feed_extra", "entry_extra", "expected"), [
    # RFC 5023 10.2: app:edited is an Atom Date construct
    ("", "<app:edited>2024-03-18T10:00:00Z</app:edited>", []),
    ("", "<app:edited>2024-03-18</app:edited>", [("error", "ext-date-invalid")]),
    # 13.1.1: app:draft is "yes" or "no"
    ("", "<app:control><app:draft>no</app:draft></app:control>", []),
    ("", "<app:control><app:draft>No</app:draft></app:control>", [("error", "ext-value-invalid")]),
    # 8.3.3: a collection in a feed has an href and one atom:title
    ('<app:collection href="https://e.org/edit"><title>Posts</title></app:collection>', "", []),
    ("<app:collection><title>Posts</title></app:collection>", "",
     [("error", "ext-attribute-missing")]),
    ('<app:collection href="https://e.org/edit"/>', "", [("error", "atom-element-missing")]),
    ("", "<app:edit>x</app:edit>", [("error", "ext-element-unknown")]),
])
def test_atom_publishing_protocol_elements_in_feeds(feed_extra: str, entry_extra: str,
                                                    expected: list[tuple[str, str]]) -> None:
    assert _atom_with(feed_extra, entry_extra) == expected


def test_rss1_rdf_about_may_hold_unicode() -> None:
    """rdf:about is an RDF URI reference, which allows Unicode as an IRI does."""
    about = "https://e.org/日記/1"
    data = _rss1(items=f'<rdf:li rdf:resource="{about}"/>', about=about)
    assert _found(data) == []
    assert sorted(_found(_rss1(about="https://e.org/a b"))) == [
        ("error", "rss-url-invalid"), ("warning", "rss1-reference-mismatch"),
        ("warning", "rss1-reference-mismatch")]


@pytest.mark.parametrize("document", [
    b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
    b"<link>https://example.org/</link><description>d</description><item><title>i</title>"
    b'<link> java\tscript:alert(1)</link><guid isPermaLink="false">1</guid></item></channel></rss>',
    b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><id>tag:x.org,2024:f</id>'
    b"<title>t</title><updated>2024-01-01T00:00:00Z</updated><author><name>a</name></author>"
    b'<link rel="self" href="https://x.org/f"/><link href="VBScript:msgbox(1)"/></feed>',
    b'{"version": "https://jsonfeed.org/version/1.1", "title": "t", "home_page_url": '
    b'"https://x.org/", "feed_url": "https://x.org/f.json", "items": [{"id": "1", '
    b'"url": "javascript:alert(1)", "content_text": "x"}]}',
], ids=["rss-link", "atom-link-href", "json-url"])
def test_a_link_that_runs_script_is_a_warning(document: bytes) -> None:
    """A reader or a browser that follows a javascript: or vbscript: link runs it; the
    schemes are read as browsers read them (spaces, tabs and case ignored)."""
    found = [f for f in validate_bytes(document) if f.rule == "link-script"]
    assert [f.severity for f in found] == ["warning"]


def test_a_link_to_a_page_about_javascript_is_not_a_script() -> None:
    document = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>'
                b"<link>https://example.org/javascript:tips</link><description>d</description>"
                b"</channel></rss>")
    assert "link-script" not in [f.rule for f in validate_bytes(document)]
