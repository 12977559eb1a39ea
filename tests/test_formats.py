"""The renderers on their own (model → bytes), and every feedgen 1.0.0 bug we work around.

Each test names the feedgen behaviour it guards against, so that a feedgen upgrade
that fixes (or changes) it shows up here first.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from dateutil import tz
from lxml import etree

from feedpub.formats import FORMATS, render
from feedpub.model import Author, Closing, Entry, Feed
from feedpub.validate.html import unsafe_html

ATOM = "{http://www.w3.org/2005/Atom}"
T0 = datetime(2024, 12, 7, 9, 0, tzinfo=UTC)


def entry(n: int, **changes: object) -> Entry:
    fields: dict[str, object] = dict(
        id=f"tag:example.org,2024:e{n}", title=f"Entry {n}", link=f"https://example.org/#e{n}",
        published=T0 + timedelta(minutes=n), updated=T0 + timedelta(minutes=n),
        content_html=f"<p>Body {n} &amp; more</p>", summary=f"Summary {n}",
    )
    fields.update(changes)
    return Entry(**fields)  # type: ignore[arg-type]


def feed(*entries: Entry, **changes: object) -> Feed:
    fields: dict[str, object] = dict(
        id="tag:example.org,2024:feed", title="T", description="D",
        home_page_url="https://example.org/live",
        self_urls={n: f"https://example.org/feeds/{f.filename}" for n, f in FORMATS.items()},
        updated=max(e.updated for e in entries), entries=entries,
        authors=(Author("Desk"),), hubs=("https://hub.example.org/",),
    )
    fields.update(changes)
    return Feed(**fields)  # type: ignore[arg-type]


def xml(name: str, model: Feed) -> etree._Element:
    return etree.fromstring(render(name, model))


SAMPLE = feed(entry(3), entry(2), entry(1))


def test_atom_entry_links_keep_rel_and_type() -> None:
    """feedgen 1.0.0 drops rel/type/title of entry links."""
    root = xml("atom", SAMPLE)
    for element in root.iter(f"{ATOM}entry"):
        links = element.findall(f"{ATOM}link")
        assert [(link.get("rel"), link.get("type")) for link in links] == [("alternate",
                                                                            "text/html")]


def test_rss_channel_link_is_the_home_page_whatever_else_is_linked() -> None:
    """feedgen 1.0.0 makes the channel <link> the href of the last link added."""
    channel = xml("rss", SAMPLE).find("channel")
    assert channel.findtext("link") == "https://example.org/live"
    atom_links = {(link.get("rel"), link.get("href")) for link in channel.findall(f"{ATOM}link")}
    assert atom_links == {("self", "https://example.org/feeds/rss.xml"),
                          ("hub", "https://hub.example.org/")}


def test_times_come_from_the_entries_never_the_clock() -> None:
    """feedgen 1.0.0 defaults updated and lastBuildDate to now."""
    assert xml("atom", SAMPLE).findtext(f"{ATOM}updated") == "2024-12-07T09:03:00+00:00"
    assert xml("rss", SAMPLE).findtext("channel/lastBuildDate") == "Sat, 07 Dec 2024 09:03:00 +0000"
    for name in FORMATS:
        assert render(name, SAMPLE) == render(name, SAMPLE)


def test_atom_content_is_escaped_html_never_cdata_type() -> None:
    """content(type='CDATA') makes feedgen 1.0.0 write an invalid Atom type."""
    root = xml("atom", SAMPLE)
    contents = root.findall(f"{ATOM}entry/{ATOM}content")
    assert {c.get("type") for c in contents} == {"html"}
    assert contents[0].text == "<p>Body 3 &amp; more</p>"


def test_hub_links_in_every_format() -> None:
    """feedgen 1.0.0 writes no atom:link rel="hub" into RSS."""
    assert xml("rss", SAMPLE).find(f"channel/{ATOM}link[@rel='hub']") is not None
    assert xml("atom", SAMPLE).find(f"{ATOM}link[@rel='hub']").get("href") == \
        "https://hub.example.org/"
    assert json.loads(render("json", SAMPLE))["hubs"] == [
        {"type": "WebSub", "url": "https://hub.example.org/"}]


def test_entries_keep_the_model_order() -> None:
    """feedgen 1.0.0 prepends entries by default, which would reverse the feed."""
    assert [i.findtext("guid") for i in xml("rss", SAMPLE).iter("item")] == [
        "tag:example.org,2024:e3", "tag:example.org,2024:e2", "tag:example.org,2024:e1"]
    assert [e.findtext(f"{ATOM}id") for e in xml("atom", SAMPLE).iter(f"{ATOM}entry")] == [
        "tag:example.org,2024:e3", "tag:example.org,2024:e2", "tag:example.org,2024:e1"]
    assert [i["id"] for i in json.loads(render("json", SAMPLE))["items"]] == [
        "tag:example.org,2024:e3", "tag:example.org,2024:e2", "tag:example.org,2024:e1"]


def test_rss_description_is_summary_or_full_html_and_content_encoded_is_full() -> None:
    model = feed(entry(2), entry(1, summary=None))
    items = list(xml("rss", model).iter("item"))
    encoded = "{http://purl.org/rss/1.0/modules/content/}encoded"
    assert items[0].findtext("description") == "Summary 2"
    assert items[1].findtext("description") == "<p>Body 1 &amp; more</p>"
    assert items[0].findtext(encoded) == "<p>Body 2 &amp; more</p>"
    assert items[0].find("guid").get("isPermaLink") == "false"


def test_an_rss_summary_is_plain_text_written_as_html() -> None:
    """RSS readers read description as HTML: a plain-text summary went in as it was, so
    "Use <b>bold</b> & AT&amp;T" showed bold and "AT&T", and a summary quoting
    "<script>" made the feed check refuse the whole build (exit 5, html-unsafe)."""
    text = "Use <b>bold</b> & AT&amp;T, <script>x</script>"
    items = list(xml("rss", feed(entry(1, summary=text))).iter("item"))
    assert items[0].findtext("description") == (
        "Use &lt;b&gt;bold&lt;/b&gt; &amp; AT&amp;amp;T, &lt;script&gt;x&lt;/script&gt;")
    assert unsafe_html(items[0].findtext("description")) is None


def test_the_rss_channel_description_is_plain_text_written_as_html() -> None:
    """The config's description is plain text, as the summary is: "Q&A <script>" in it made
    the feed check refuse every build (exit 5, html-unsafe on the channel)."""
    text = "Q&A live, <script>x</script>"
    channel = xml("rss", feed(entry(1), description=text)).find("channel")
    assert channel is not None
    assert channel.findtext("description") == "Q&amp;A live, &lt;script&gt;x&lt;/script&gt;"
    assert unsafe_html(channel.findtext("description") or "") is None


def test_rss_pubdate_is_rfc822_in_english_and_utc() -> None:
    berlin = datetime(2024, 12, 7, 10, 5, tzinfo=UTC).astimezone(tz.gettz("Europe/Berlin"))
    model = feed(entry(1, published=berlin, updated=berlin))
    assert xml("rss", model).findtext("channel/item/pubDate") == "Sat, 07 Dec 2024 10:05:00 +0000"


@pytest.mark.parametrize(
    ("authors", "expected"),
    [
        ((Author("Ana", "ana@example.org"),), (["ana@example.org (Ana)"], [])),
        ((Author("Ana"), Author("Bo")), ([], ["Ana", "Bo"])),
        ((Author("Ana", "ana@example.org"), Author("Bo")), ([], ["Ana", "Bo"])),
    ],
)
def test_rss_authors(authors: tuple[Author, ...], expected: tuple[list[str], list[str]]) -> None:
    item = xml("rss", feed(entry(1, authors=authors))).find("channel/item")
    creators = [c.text for c in item.findall("{http://purl.org/dc/elements/1.1/}creator")]
    assert ([a.text for a in item.findall("author")], creators) == expected


def test_closing_renders_first_in_every_format() -> None:
    closing = Closing(id="tag:example.org,2024:closed", title="Closed",
                      content_html='<p><a href="https://example.org/next">on</a></p>',
                      continued_at="https://example.org/next", at=T0 + timedelta(hours=1))
    model = feed(entry(1), closing=closing, ttl_minutes=1440)
    assert xml("rss", model).findtext("channel/item/guid") == "tag:example.org,2024:closed"
    assert xml("rss", model).find("channel/{http://purl.org/syndication/history/1.0}complete") \
        is not None
    assert xml("atom", model).findtext(f"{ATOM}entry/{ATOM}id") == "tag:example.org,2024:closed"
    document = json.loads(render("json", model))
    assert document["expired"] is True and document["items"][0]["external_url"] == \
        "https://example.org/next"


def test_entry_language_and_image() -> None:
    model = feed(entry(1, language="fr", image="https://example.org/a.png"))
    atom_entry = xml("atom", model).find(f"{ATOM}entry")
    assert atom_entry.get("{http://www.w3.org/XML/1998/namespace}lang") == "fr"
    item = json.loads(render("json", model))["items"][0]
    assert (item["language"], item["image"]) == ("fr", "https://example.org/a.png")
    media = xml("rss", model).find("channel/item/{http://search.yahoo.com/mrss/}content")
    assert media.get("url") == "https://example.org/a.png"
