"""Extension values, one element at a time, inside an otherwise valid RSS item or channel.

Each case is derived from the module's own text (Apple's podcast RSS requirements,
Media RSS 1.5.1, Dublin Core, the Syndication module...), and names the rules the
element must give: none for a valid value.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.validate import validate_bytes

BASE = (Path(__file__).parent / "data" / "validate" / "rss_valid.xml").read_text()
NAMESPACES = ('xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
              'xmlns:media="http://search.yahoo.com/mrss/" '
              'xmlns:dc="http://purl.org/dc/elements/1.1/" '
              'xmlns:sy="http://purl.org/rss/1.0/modules/syndication/"')


# What Apple requires of a show, so iTunes cases test only their own element.
SHOW = ('<itunes:image href="https://example.org/cover.jpg"/><itunes:category text="News"/>'
        "<itunes:explicit>false</itunes:explicit>")


def rules(item: str = "", channel: str = "") -> list[str]:
    """Rule ids for ``item`` markup added to the item and ``channel`` markup to the channel."""
    text = BASE.replace("<rss ", f"<rss {NAMESPACES} ", 1)
    text = text.replace("</item>", item + "</item>", 1).replace("<item>", channel + "<item>", 1)
    return [f.rule for f in validate_bytes(text.encode())]


@pytest.mark.parametrize(("value", "expected"), [
    ("3600", []), ("45:10", []), ("1:02:03", []), ("00:45:12", []), ("2710.5", []),
    ("1:2:3", ["ext-value-invalid"]), ("45:75", ["ext-value-invalid"]),
    ("PT45M", ["ext-value-invalid"]), ("", ["ext-value-invalid"]),
])
def test_itunes_duration(value: str, expected: list[str]) -> None:
    assert rules(f"<itunes:duration>{value}</itunes:duration>", SHOW) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("true", []), ("false", []), ("True", []), ("yes", ["itunes-explicit-legacy"]),
    ("Clean", ["itunes-explicit-legacy"]), ("no", ["itunes-explicit-legacy"]),
    (" true ", ["itunes-value-invalid"]), ("explicit", ["itunes-value-invalid"]),
])
def test_itunes_explicit(value: str, expected: list[str]) -> None:
    assert rules(f"<itunes:explicit>{value}</itunes:explicit>", SHOW) == expected


@pytest.mark.parametrize(("markup", "expected"), [
    ("<itunes:episodeType>trailer</itunes:episodeType>", []),
    ("<itunes:episodeType>Trailer</itunes:episodeType>", ["itunes-value-invalid"]),
    ("<itunes:episode>0</itunes:episode>", ["ext-value-invalid"]),
    ("<itunes:season>2</itunes:season>", []),
    ("<itunes:block>Yes</itunes:block>", []),
    ("<itunes:block>maybe</itunes:block>", ["itunes-value-invalid"]),
    ("<itunes:title>Part one</itunes:title>", []),
    ("<itunes:owner><itunes:email>a@example.org</itunes:email></itunes:owner>",
     ["ext-element-misplaced"]),
    ("<itunes:name>Newsroom</itunes:name>", ["ext-element-misplaced"]),
    ("<itunes:image>https://example.org/a.jpg</itunes:image>", ["ext-attribute-missing"]),
])
def test_itunes_item_elements(markup: str, expected: list[str]) -> None:
    assert rules(markup, SHOW) == expected


@pytest.mark.parametrize(("markup", "expected"), [
    ('<media:rating scheme="urn:mpaa">pg-13</media:rating>', []),
    ('<media:rating scheme="urn:mpaa">PG-13</media:rating>', ["ext-value-invalid"]),
    ('<media:rating scheme="urn:v-chip">14+</media:rating>', []),
    ("<media:rating>nonadult</media:rating>", []),
    ('<media:rating scheme="urn:example:stars">5 stars</media:rating>', []),
    ('<media:thumbnail url="https://example.org/t.jpg" time="12:05:01.123"/>', []),
    ('<media:thumbnail url="https://example.org/t.jpg" time="noon"/>', ["ext-attribute-invalid"]),
    ('<media:content url="https://example.org/a.mp3" lang="english"/>', ["ext-attribute-invalid"]),
    ('<media:content url="https://example.org/a.mp3" fileSize="-1"/>', ["ext-attribute-invalid"]),
    ('<media:content url="https://example.org/a.mp3" fileSize=""/>', ["ext-attribute-empty"]),
    ('<media:content url="a.mp3"/>', ["ext-url-invalid"]),
    ('<media:content url="https://example.org/a.mp3"><media:credit role="author">Jo'
     "</media:credit></media:content>", []),
    ('<media:content url="https://example.org/a.mp3"><media:content url="https://e.org/b"/>'
     "</media:content>", ["ext-element-misplaced"]),
    ('<media:price type="lease"/>', ["ext-attribute-invalid"]),
    ('<media:rights status="official"/>', []),
    ('<media:hash algo="md5">0123456789abcdef0123456789abcdef</media:hash>', []),
    ('<media:hash algo="sha-256">00</media:hash>', ["ext-attribute-invalid"]),
    ('<media:restriction relationship="allow" type="country">fr de</media:restriction>', []),
    ('<media:restriction relationship="allow" type="country">France</media:restriction>',
     ["ext-value-invalid"]),
    # Media RSS writes a scene's children without a prefix (its example and prose)
    ("<media:scenes><media:scene><sceneTitle>Opening</sceneTitle><sceneDescription>The harbour"
     "</sceneDescription><sceneStartTime>00:15</sceneStartTime><sceneEndTime>00:45"
     "</sceneEndTime></media:scene></media:scenes>", []),
    ("<media:scenes><media:scene><title>Opening</title></media:scene></media:scenes>",
     ["ext-element-unknown"]),
    # a hash "can appear multiple times as long as each instance is a different algo"
    ('<media:hash algo="md5">0123456789abcdef0123456789abcdef</media:hash>'
     '<media:hash algo="sha-1">0123456789abcdef0123456789abcdef01234567</media:hash>', []),
    ("<media:hash>0123456789abcdef0123456789abcdef</media:hash>"
     '<media:hash algo="md5">0123456789abcdef0123456789abcdef</media:hash>',
     ["ext-element-duplicate"]),
    # one rating per scheme, as in the specification's examples; urn:simple is the default
    ('<media:rating scheme="urn:mpaa">pg</media:rating>'
     '<media:rating scheme="urn:v-chip">tv-y7-fv</media:rating>', []),
    ('<media:rating>adult</media:rating><media:rating scheme="urn:simple">nonadult'
     "</media:rating>", ["ext-element-duplicate"]),
    ('<media:content url="https://example.org/a.mp3"><media:rating scheme="urn:mpaa">pg'
     '</media:rating><media:rating scheme="urn:v-chip">tv-pg</media:rating></media:content>', []),
])
def test_media_rss(markup: str, expected: list[str]) -> None:
    assert rules(markup) == expected


@pytest.mark.parametrize(("markup", "expected"), [
    ("<dc:language>en-GB</dc:language>", []),
    ("<dc:language>jp</dc:language>", ["ext-language-invalid"]),
    ("<sy:updatePeriod>hourly</sy:updatePeriod>", []),
    ("<sy:updatePeriod>Hourly</sy:updatePeriod>", ["ext-value-invalid"]),
    ("<sy:updateFrequency>0</sy:updateFrequency>", ["ext-value-invalid"]),
    ("<dc:date>2024-12-07T09:00:00+01:00</dc:date>", []),
])
def test_channel_modules(markup: str, expected: list[str]) -> None:
    assert rules(channel=markup) == expected


@pytest.mark.parametrize(("markup", "expected"), [
    ("<georss:point>45.256 -71.92</georss:point>", []),
    # a comma between latitude and longitude: tolerated, as in lines, boxes and GML (the
    # W3C service only warns, CoordComma)
    ("<georss:point>45.256, -71.92</georss:point>", []),
    ("<georss:point>45.256,-71.92</georss:point>", []),
    ("<georss:line>45.256,-110.45 46.46,-109.48</georss:line>", []),
    ("<georss:point>95 -71.92</georss:point>", ["ext-value-invalid"]),
    ("<georss:point>45.256 -71.92 12</georss:point>", ["ext-value-invalid"]),
    ("<georss:point>45.256</georss:point>", ["ext-value-invalid"]),
])
def test_georss_coordinates(markup: str, expected: list[str]) -> None:
    feed = BASE.replace("<rss ", '<rss xmlns:georss="http://www.georss.org/georss" ', 1)
    feed = feed.replace("</item>", markup + "</item>", 1)
    assert [f.rule for f in validate_bytes(feed.encode())] == expected


ATOM = 'xmlns:atom="http://www.w3.org/2005/Atom" '


def atom_rules(item: str = "", channel: str = "") -> list[str]:
    """rules() with the Atom namespace declared (rss_valid.xml declares it already)."""
    text = BASE if "xmlns:atom=" in BASE else BASE.replace("<rss ", f"<rss {ATOM}", 1)
    text = text.replace("</item>", item + "</item>", 1).replace("<item>", channel + "<item>", 1)
    return [f.rule for f in validate_bytes(text.encode())]


@pytest.mark.parametrize(("item", "expected"), [
    # RFC 4287's constructs keep their rules when an RSS item uses them
    ("<atom:updated>2024-03-18T10:00:00Z</atom:updated>", []),
    ("<atom:updated>Mon, 18 Mar 2024 10:00:00 GMT</atom:updated>", ["atom-date-invalid"]),
    ("<atom:published>2024-03-18</atom:published>", ["atom-date-invalid"]),
    ("<atom:id>tag:example.org,2024:1</atom:id>", []),
    ("<atom:id>item 1</atom:id>", ["atom-id-invalid"]),
    ("<atom:author><atom:name>Ana</atom:name><atom:email>ana@example.org</atom:email>"
     "</atom:author>", []),
    ("<atom:author><atom:email>ana</atom:email></atom:author>",
     ["atom-element-missing", "atom-email-invalid"]),
    ('<atom:summary type="xhtml">plain</atom:summary>', ["atom-xhtml-div-missing"]),
    ('<atom:content type="html">&lt;p&gt;x&lt;/p&gt;</atom:content>', []),
    ('<atom:content type="nonsense">x</atom:content>', ["atom-content-type-invalid"]),
    ("<atom:category/>", ["atom-category-term-missing"]),
    ('<atom:category term="x" foo="y"/>', ["atom-attribute-unknown"]),
    # once per entry (RFC 4287 4.1.2), so once per item
    ("<atom:id>tag:example.org,2024:1</atom:id><atom:id>tag:example.org,2024:2</atom:id>",
     ["ext-element-duplicate"]),
    ('<atom:link rel="alternate enclosure" href="https://example.org/a"/>',
     ["atom-link-rel-invalid"]),
    ('<atom:link rel="enclosure" href="https://example.org/a.mp3" length="1 MB"/>',
     ["atom-link-length-invalid"]),
    ('<atom:link rel="alternate" href="https://example.org/a" hreflang="en_US"/>',
     ["atom-language-invalid"]),
])
def test_atom_elements_in_rss_follow_rfc_4287(item: str, expected: list[str]) -> None:
    assert atom_rules(item) == expected


@pytest.mark.parametrize(("value", "expected"), [
    ("2005-07-02T10:00:00-05:00", []), ("2005-07-02", []),
    ("2005-07-02T10:00:00", []),  # no zone: local time
    ("2005-07-02T10:00", []), ("July 2, 2005 10:00 am", ["ext-date-invalid"]),
    ("2005-13-02", ["ext-date-invalid"]), ("2005-07-02T25:00:00", ["ext-date-invalid"]),
])
def test_event_module_dates(value: str, expected: list[str]) -> None:
    """RSS 1.0 Event module: ev:startdate and ev:enddate "in W3CDTF format"."""
    ns = 'xmlns:ev="http://purl.org/rss/1.0/modules/event/" '
    text = BASE.replace("<rss ", f"<rss {ns}", 1).replace(
        "</item>", f"<ev:startdate>{value}</ev:startdate><ev:enddate>2005-07-03</ev:enddate></item>", 1)
    assert [f.rule for f in validate_bytes(text.encode())] == expected
