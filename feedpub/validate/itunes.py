"""Apple Podcasts tags (the iTunes namespace): values, categories and placement.

From Apple's "A Podcaster's Guide to RSS" and its podcast RSS feed requirements: which
elements go in the channel, which in an episode, which only inside ``itunes:owner``,
the value lists, and the category tree. Apple's current category list (2019) and the
one before it (2006-2019) are both accepted, since directories still read the older
names; the list Apple retired in 2006 is a warning.
"""

from __future__ import annotations

import re

from feedpub.validate.common import ITUNES, short
from feedpub.validate.extvalues import error, text_max, text_pattern, url_attr, url_text, value
from feedpub.validate.findings import Report
from feedpub.validate.urls import is_addr_spec

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from feedpub.validate.extvalues import Check

IT = f"{{{ITUNES}}}"
# Seconds, or [H]H:MM:SS / [M]M:SS: after the first field, two digits each.
_DURATION = re.compile(r"\s*[0-9]+(?::[0-5][0-9]){0,2}(?:\.[0-9]+)?\s*")
_POSITIVE = re.compile(r"\s*0*[1-9][0-9]*\s*")
_EXPLICIT = frozenset({"true", "false"})
_EXPLICIT_LEGACY = {"yes": "true", "no": "false", "clean": "false"}

# Channel-only and episode-only tags; the rest (author, block, explicit, image, title,
# subtitle, summary, keywords...) may appear at both levels.
CHANNEL_ONLY = frozenset(IT + n for n in ("category", "owner", "new-feed-url", "type", "complete",
                                         "applepodcastsverify"))
ITEM_ONLY = frozenset(IT + n for n in ("duration", "episode", "season", "episodeType", "order",
                                      "isClosedCaptioned"))
# Only inside itunes:owner.
OWNER_ONLY = frozenset({IT + "name", IT + "email"})
ONCE = frozenset(IT + n for n in (
    "explicit", "block", "complete", "type", "episodeType", "episode", "season", "duration",
    "image", "owner", "new-feed-url", "subtitle", "summary", "keywords", "author"))
VOCABULARY = frozenset((
    "author block category complete duration email episode episodeType explicit image "
    "isClosedCaptioned keywords name new-feed-url order owner subtitle summary title type "
    "season pubDate applepodcastsverify link").split())


def _tree(text: str) -> dict[str, frozenset[str]]:
    """'Parent: Sub, Sub' lines into {parent: subcategories}."""
    tree: dict[str, frozenset[str]] = {}
    for line in text.strip().splitlines():
        parent, _, subs = line.partition(":")
        names = frozenset(s.strip() for s in subs.split(",") if s.strip())
        tree[parent.strip()] = tree.get(parent.strip(), frozenset()) | names
    return tree


# Apple's list since 2019, then the 2006-2019 list; a parent named twice gets both sets.
CATEGORY_TREE = _tree("""
Arts: Books, Design, Fashion & Beauty, Food, Performing Arts, Visual Arts
Business: Careers, Entrepreneurship, Investing, Management, Marketing, Non-Profit
Comedy: Comedy Interviews, Improv, Stand-Up
Education: Courses, How To, Language Learning, Self-Improvement
Fiction: Comedy Fiction, Drama, Science Fiction
Government:
History:
Health & Fitness: Alternative Health, Fitness, Medicine, Mental Health, Nutrition, Sexuality
Kids & Family: Education for Kids, Parenting, Pets & Animals, Stories for Kids
Leisure: Animation & Manga, Automotive, Aviation, Crafts, Games, Hobbies, Home & Garden, Video Games
Music: Music Commentary, Music History, Music Interviews
News: Business News, Daily News, Entertainment News, News Commentary, Politics, Sports News, Tech News
Religion & Spirituality: Buddhism, Christianity, Hinduism, Islam, Judaism, Religion, Spirituality
Science: Astronomy, Chemistry, Earth Sciences, Life Sciences, Mathematics, Natural Sciences
Science: Nature, Physics, Social Sciences
Society & Culture: Documentary, Personal Journals, Philosophy, Places & Travel, Relationships
Sports: Baseball, Basketball, Cricket, Fantasy Sports, Football, Golf, Hockey, Rugby, Running
Sports: Soccer, Swimming, Tennis, Volleyball, Wilderness, Wrestling
Technology:
True Crime:
TV & Film: After Shows, Film History, Film Interviews, Film Reviews, TV Reviews
Arts: Literature
Business: Business News, Management & Marketing, Shopping
Education: Education Technology, Higher Education, K-12, Language Courses, Training
Games & Hobbies: Automotive, Aviation, Hobbies, Other Games, Video Games
Government & Organizations: Local, National, Non-Profit, Regional
Health: Alternative Health, Fitness & Nutrition, Self-Help, Sexuality
News & Politics:
Religion & Spirituality: Other
Science & Medicine: Medicine, Natural Sciences, Social Sciences
Society & Culture: History
Sports & Recreation: Amateur, College & High School, Outdoor, Professional
Technology: Gadgets, Podcasting, Software How-To, Tech News
""")
CATEGORIES = frozenset(CATEGORY_TREE) | frozenset().union(*CATEGORY_TREE.values())
# The list before June 2006: still seen in old feeds; a warning, not an error.
OBSOLETE_CATEGORIES = frozenset(
    name.strip() for name in (
        "Arts & Entertainment|Architecture|Entertainment|Photography|Poetry|Audio Blogs|"
        "Finance|Family|Diet & Nutrition|International|Australian|Belgian|Brazilian|Canadian|"
        "Chinese|Dutch|French|German|Hebrew|Italian|Japanese|Norwegian|Polish|Portuguese|"
        "Spanish|Swedish|Movies & Television|Public Radio|Talk Radio|Computers|Developers|"
        "Information Technology|Operating Systems|Smart Phones|Text/Speech|Transportation|"
        "Bicycles|Commuting|Travel").split("|")) - CATEGORIES


def _enum(allowed: set[str]) -> Check:
    """A value list, case and white space included (Apple documents these spellings)."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        text = el.text or ""
        if text not in allowed:
            error(report, "itunes-value-invalid", el,
                  f'"{short(text)}" is not one of {", ".join(sorted(allowed))}')
    return check


def _explicit(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """Apple now documents true/false; yes/no/clean (any case) still work, with a warning.
    White space is not trimmed: " true " is neither (readers compare the whole text)."""
    text = (el.text or "").lower()
    if text in _EXPLICIT:
        return
    legacy = _EXPLICIT_LEGACY.get(text)
    if legacy is not None:
        report.warning("itunes-explicit-legacy",
                       f'<itunes:explicit> "{short(el.text or "")}" is the old spelling; Apple now '
                       f'documents "true" and "false": write "{legacy}"', el)
    else:
        error(report, "itunes-value-invalid", el,
              f'"{short(el.text or "")}" is not "true" or "false"')


def _image(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "href", report, required=True)


def _category(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _check_category(el, None, report)


def _check_category(el: Any, parent: str | None, report: Report) -> None:
    """A category's text is in Apple's list; a nested one is a subcategory of its parent."""
    text = el.get("text")
    if not text:
        error(report, "ext-attribute-missing", el, "has no text attribute")
    elif text in OBSOLETE_CATEGORIES:
        report.warning("itunes-category-obsolete",
                       f'<itunes:category> text "{short(text)}" is from the list Apple retired '
                       "in 2006", el)
    elif text not in CATEGORIES:
        error(report, "itunes-category-invalid", el,
              f'text "{short(text)}" is not an Apple Podcasts category or subcategory')
    elif parent in CATEGORIES and text not in CATEGORY_TREE.get(parent, frozenset()):
        # a subcategory (Arts > Design) is not in the tree as a parent: it has no
        # subcategories, so whatever is nested in it is misplaced as well
        error(report, "itunes-category-invalid", el,
              f'text "{short(text)}" is not a subcategory of "{short(parent or "")}"')
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if child.tag == el.tag:
            _check_category(child, text, report)
        elif child.tag.startswith(IT) or child.tag[:1] != "{":
            report.error("ext-element-misplaced",
                         f"<itunes:category> holds only nested <itunes:category> elements, not "
                         f"<{child.tag.rpartition('}')[2]}>", child)


def _owner(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """itunes:owner holds itunes:name and itunes:email, once each."""
    seen: set[str] = set()
    for child in el:
        name = child.tag
        if not isinstance(name, str) or (name[:1] == "{" and not name.startswith(IT)):
            continue
        if name not in OWNER_ONLY:
            report.error("ext-element-misplaced",
                         f"<itunes:owner> holds only <itunes:name> and <itunes:email>, not "
                         f"<{name.replace(IT, 'itunes:')}>", child)
            continue
        if name in seen:
            error(report, "ext-element-duplicate", child, "appears more than once in <itunes:owner>")
        seen.add(name)
        if name == IT + "email" and not is_addr_spec(value(child)):
            error(report, "ext-email-invalid", child, f'"{short(value(child))}" is not an e-mail address')


def misplaced(tag: str, where: str) -> str | None:
    """Why an iTunes element cannot be a child of ``where``, or None when it can."""
    if tag in OWNER_ONLY:
        return f"belongs inside <itunes:owner>, not directly in <{where}>"
    if tag in CHANNEL_ONLY and where in ("item", "entry"):
        return f"belongs in the channel (feed), not <{where}>"
    if tag in ITEM_ONLY and where in ("channel", "feed"):
        return f"belongs in an item (entry), not <{where}>"
    return None


def check_channel(channel: Any, report: Report) -> None:
    """A channel that uses iTunes tags should have what Apple requires to list a show."""
    missing = [f"itunes:{n}" for n in ("image", "category", "explicit") if channel.find(IT + n) is None]
    if missing:
        report.warning("itunes-element-missing",
                       f"<{channel.tag.rpartition('}')[2]}> uses iTunes tags but has no "
                       f"{', '.join(missing)}, which Apple Podcasts requires", channel)


CHECKS: dict[str, Check] = {
    IT + "explicit": _explicit,
    IT + "block": _enum({"yes", "Yes", "no", "No"}),
    IT + "complete": _enum({"yes", "Yes", "no", "No"}),
    IT + "type": _enum({"episodic", "serial"}),
    IT + "episodeType": _enum({"full", "trailer", "bonus"}),
    IT + "episode": text_pattern(_POSITIVE, "a positive integer"),
    IT + "season": text_pattern(_POSITIVE, "a positive integer"),
    IT + "duration": text_pattern(_DURATION, "a duration (seconds, mm:ss or hh:mm:ss)"),
    IT + "image": _image,
    IT + "category": _category,
    IT + "owner": _owner,
    IT + "new-feed-url": url_text,
    IT + "keywords": text_max(255),
    IT + "subtitle": text_max(255),
    IT + "summary": text_max(4000),
}
