"""Feeds in the shapes real publishers write, invented for these tests (tests/data/realworld/).

Each file imitates what one generator emits (WordPress, Blogger, YouTube, GitHub,
Mastodon, Substack, Medium, Ghost, Hugo, Jekyll, Drupal, podcast hosts, a news site,
JSON Feed 1.0 and 1.1, RSS 0.91; GitLab, Gitea/Forgejo, Confluence, Jira, Pleroma,
Lemmy, PeerTube, Tumblr, LiveJournal, Squarespace, Wix, Shopify, TypePad, Movable Type,
Serendipity, Joomla, MediaWiki, Discourse, phpBB, FeedBurner, Pixelfed, Misskey,
Dreamwidth, Bitbucket, TYPO3, RSS 1.0 and 0.90 (preprint server, Slashdot-style, Movable
Type index.rdf, Plone), AtomPub drafts, GeoRSS and events, old RFC 822 dates,
windows-1252, UTF-16 and Shift_JIS encodings...) with made-up content. The specifications allow
everything in them except the mistakes listed here, which those generators do make and
which must still be reported; any other error is a false positive.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from feedpub.validate import detect_format, validate_bytes

DATA = Path(__file__).parent / "data" / "realworld"

# file name -> the errors it must give, as sorted (rule, line); every other file: none.
MISTAKES: dict[str, list[tuple[str, int]]] = {
    # YouTube's channel feeds: no feed <updated>, a feed <published> (not an element of
    # atom:feed), and a media:group holding a single media:content
    "youtube-atom.xml": [("atom-element-missing", 2), ("atom-element-unknown", 12),
                         ("media-group-too-small", 25)],
    # OStatus (Activity Streams in Atom) put Atom's id, summary and links inside the
    # author, where RFC 4287 allows only name, uri, email and extensions
    "ostatus-atom.xml": [("atom-element-unknown", 9), ("atom-element-unknown", 14),
                         ("atom-element-unknown", 15), ("atom-element-unknown", 16)],
    # what podcast hosts get wrong: the 1400-pixel cover as the RSS image (144 by 400 at
    # most), a category Apple does not have, a name in itunes:email, a blank enclosure
    # length, episode 0, a duration in words, a capitalised episodeType
    "podcast-mistakes-rss.xml": [
        ("ext-email-invalid", 21), ("ext-value-invalid", 29), ("ext-value-invalid", 30),
        ("itunes-category-invalid", 17), ("itunes-value-invalid", 31),
        ("rss-attribute-missing", 28), ("rss-image-size-invalid", 13),
        ("rss-image-size-invalid", 14)],
    # Reddit-like ids that are not IRIs ("/r/x/.rss", "t3_abc")
    "reddit-atom.xml": [("atom-id-invalid", 1), ("atom-id-invalid", 1)],
    # an hour written with one digit (RFC 822 wants two)
    "rss-dates.xml": [("rss-pubdate-invalid", 7)],
    # "UTC" (not an RFC 822 zone), "+00:00" (a colon), no zone at all
    "rss-dates-mistakes.xml": [("rss-pubdate-invalid", 5), ("rss-pubdate-invalid", 7),
                               ("rss-pubdate-invalid", 8)],
    # null for a string, a space in a URL, a relative item URL
    "jsonfeed-mistakes.json": [("json-type-invalid", 3), ("json-url-invalid", 4),
                               ("json-url-invalid", 6)],
    # the usual template mistakes: no channel link, a wrong day name, a relative enclosure,
    # a guid used twice, ISO 8601 and invented zones in pubDate, a link without a scheme,
    # an author that is a bare name, an enclosure length with units and a file extension
    # as its type, an out-of-range day and a full day name
    "rss-mistakes.xml": [
        ("rss-date-weekday-mismatch", 7), ("rss-element-missing", 3), ("rss-email-invalid", 10),
        ("rss-enclosure-length-invalid", 11), ("rss-enclosure-type-invalid", 11),
        ("rss-guid-duplicate", 8), ("rss-pubdate-invalid", 8), ("rss-pubdate-invalid", 9),
        ("rss-pubdate-invalid", 10), ("rss-pubdate-invalid", 11), ("rss-url-invalid", 7),
        ("rss-url-invalid", 9)],
    # Gitea/Forgejo: an author that is a user name, not an e-mail address (RSS 2.0
    # "author"), and ids built as "<number>: <url>", whose space no IRI may hold
    "gitea-rss.xml": [("rss-email-invalid", 19)],
    "forgejo-atom.xml": [("atom-id-invalid", 13)],
    # GitLab: <email></email> for a user who hides the address (RFC 4287 3.2.3: an
    # addr-spec, so empty is not one)
    "gitlab-atom.xml": [("atom-email-invalid", 28)],
    # Jira activity streams: a photo link inside the author (RFC 4287 3.2 allows name,
    # uri, email and extensions) and a generator in an entry (a feed or source element)
    "jira-activity-atom.xml": [("atom-element-unknown", 16), ("atom-element-unknown", 25)],
    # Pleroma/GNU social: the author's ActivityStreams id inside atom:author (as OStatus)
    "pleroma-atom.xml": [("atom-element-unknown", 9)],
    # RSS 2.0 habits in RSS 1.0 (whose core has no language, pubDate or guid: those are
    # dc:language, dc:date, rdf:about), an item without rdf:about, a relative link and
    # raw HTML in a description (RSS 1.0 5.3, 5.5)
    "rss10-mistakes.xml": [("rss-element-unknown", 7), ("rss-element-unknown", 17),
                           ("rss-element-unknown", 24), ("rss-markup-unescaped", 23),
                           ("rss-url-invalid", 16), ("rss1-about-missing", 20)],
    # an event calendar's human-readable start date (the Event module asks for W3CDTF),
    # and latitude and longitude swapped inside a geo:Point
    "georss-events-rss.xml": [("ext-date-invalid", 50), ("ext-value-invalid", 51)],
    # a generator library's RSS author filled with a user name (RSS 2.0 "author" is the
    # e-mail address of the author)
    "misskey-rss.xml": [("rss-email-invalid", 22)],
    # lower-case "t" and "z": RFC 4287 3.3 requires upper case in Atom dates
    "atom-dates-fractional.xml": [("atom-date-invalid", 5)],
}

FILES = sorted(p.name for p in DATA.iterdir())


def test_every_listed_mistake_has_its_file() -> None:
    assert set(MISTAKES) <= set(FILES)


@pytest.mark.parametrize("name", FILES)
def test_real_world_shapes_give_only_their_genuine_mistakes(name: str) -> None:
    data = (DATA / name).read_bytes()
    assert detect_format(data) in ("rss", "atom", "json")
    errors = sorted((f.rule, f.line) for f in validate_bytes(data) if f.severity == "error")
    assert errors == MISTAKES.get(name, [])
