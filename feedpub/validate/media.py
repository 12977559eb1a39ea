"""Media RSS 1.5.1 (RSS Advisory Board): values, and which element may hold which.

The specification's structure: ``media:group`` is a child of an item; ``media:content``
of an item or a group; the "optional elements" (title, thumbnail, credit, rating...)
of a channel, an item, a ``media:content`` or a ``media:group``; and a few belong only
inside one of those (``media:starRating`` in ``media:community``, ``media:param`` in
``media:embed``...). Anything else inside ``media:content`` or ``media:group`` is an
error, except elements of other namespaces, which are extensions.
"""

from __future__ import annotations

import re

from feedpub.validate.common import MEDIA, short
from feedpub.validate.extvalues import (
    FLOAT,
    INT,
    NPT,
    drop_blank_attributes,
    enum_attr,
    error,
    pattern_attr,
    positive_attr,
    url_attr,
    value,
)
from feedpub.validate.findings import Report
from feedpub.validate.urls import is_language, is_mime_type, uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from feedpub.validate.extvalues import Check

M = f"{{{MEDIA}}}"
WRONG_NAMESPACE = "http://search.yahoo.com/mrss"
_ICRA = re.compile(r"r \((?:\s*[clnosv][a-z] [01])*\s*\)")
_COUNTRY = re.compile(r"[A-Z]{2}")
_USER_ASSIGNED = re.compile(r"AA|Q[M-Z]|X[A-Z]|ZZ")
_CURRENCY = re.compile(r"[A-Z]{3}")
_RATINGS = {
    "urn:simple": {"adult", "nonadult"},
    "urn:mpaa": {"g", "pg", "pg-13", "r", "nc-17", "x"},
    # US TV Parental Guidelines and the Canadian V-chip classifications
    "urn:v-chip": {"tv-y", "tv-y7", "tv-y7-fv", "tv-g", "tv-pg", "tv-14", "tv-ma", "c", "c8", "g",
                   "pg", "14+", "18+"},
}
_HASH_LENGTHS = {"md5": 32, "sha-1": 40}


def _names(text: str) -> frozenset[str]:
    return frozenset(M + n for n in text.split())


# The optional elements: in a channel, an item, a media:content or a media:group.
OPTIONAL = _names("rating title description keywords thumbnail category hash player credit "
                  "copyright text restriction community comments embed responses backLinks "
                  "status price license subTitle peerLink location rights scenes adult")
CONTENT, GROUP = M + "content", M + "group"
# Children that belong to one container only.
_INSIDE = {
    M + "community": _names("starRating statistics tags"),
    M + "comments": _names("comment"),
    M + "embed": _names("param"),
    M + "responses": _names("response"),
    M + "backLinks": _names("backLink"),
    M + "scenes": _names("scene"),
    M + "scene": _names("sceneTitle sceneDescription sceneStartTime sceneEndTime"),
}
# The specification writes a scene's children in no namespace (<sceneTitle>, its only
# example and its prose); the media: prefixed forms above are accepted as well.
_SCENE_FIELDS = frozenset({"sceneTitle", "sceneDescription", "sceneStartTime", "sceneEndTime"})
NESTED = frozenset().union(*_INSIDE.values())
VOCABULARY = frozenset(tag[len(M):] for tag in OPTIONAL | NESTED | {CONTENT, GROUP})
ONCE = _names("copyright description title keywords rating hash")
_TEXT_TYPED = ("title", "description")
# Once-only elements that may repeat with another value of one attribute: "[media:hash]
# can appear multiple times as long as each instance is a different algo", and a rating
# per scheme (the specification's examples give one in each of four schemes).
_ONCE_PER = {M + "hash": ("algo", "md5"), M + "rating": ("scheme", "urn:simple")}


def once_key(el: Any, tag: str) -> str:
    """What must not repeat under one parent for a once-only element: its tag, with the
    algorithm of a hash or the scheme of a rating."""
    per = _ONCE_PER.get(tag)
    if per is None:
        return tag
    name, default = per
    return f"{tag} {(el.get(name) or default).strip()}"


def misplaced(tag: str, where: str) -> str | None:
    """Why a Media RSS element cannot be a child of ``where``, or None when it can."""
    if tag in NESTED:
        parents = [p for p, kids in _INSIDE.items() if tag in kids]
        return f"belongs inside <media:{parents[0][len(M):]}>, not <{where}>"
    if tag in (CONTENT, GROUP) and where in ("channel", "feed"):
        return f"belongs in an item (entry){' or a media:group' if tag == CONTENT else ''}, not <{where}>"
    return None


def _children(el: Any, allowed: frozenset[str], report: Report, rss: bool) -> None:
    """The children of a Media RSS container: allowed ones checked, others reported."""
    seen: set[str] = set()
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag[:1] != "{":
            if el.tag == M + "scene" and tag in _SCENE_FIELDS:
                continue
            report.error("ext-element-unknown",
                         f"<{tag}> inside <media:{el.tag[len(M):]}> is in no namespace; Media RSS "
                         "elements need the media: prefix", child)
            continue
        if not tag.startswith(M):
            continue  # another namespace: an extension
        if tag[len(M):] not in VOCABULARY:
            report.error("ext-element-unknown",
                         f"<media:{tag[len(M):]}> is not a Media RSS element", child)
            continue
        if tag not in allowed:
            report.error("ext-element-misplaced",
                         f"<media:{tag[len(M):]}> is not allowed inside <media:{el.tag[len(M):]}>",
                         child)
            continue
        if tag in ONCE:
            key = once_key(child, tag)
            if key in seen:
                error(report, "ext-element-duplicate", child, "appears more than once here")
            seen.add(key)
        check_child(child, tag, report, rss)


def check_child(el: Any, tag: str, report: Report, rss: bool) -> None:
    """Check one Media RSS element found inside another (or at the top, by ext)."""
    if el.attrib:
        drop_blank_attributes(el, report)
    check = CHECKS.get(tag)
    if check is not None:
        check(el, tag, "media", report, rss)
    inside = _INSIDE.get(tag)
    if inside is not None:
        _children(el, inside, report, rss)


def _content(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "url", report)
    for name in ("fileSize", "channels"):
        pattern_attr(el, name, INT, "a non-negative integer", report)
    for name in ("bitrate", "framerate", "samplingrate", "duration"):
        pattern_attr(el, name, FLOAT, "a number", report)
    for name in ("height", "width"):
        positive_attr(el, name, report)
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')
    enum_attr(el, "isDefault", {"true", "false"}, report)
    enum_attr(el, "expression", {"sample", "full", "nonstop"}, report)
    enum_attr(el, "medium", {"image", "audio", "video", "document", "executable"}, report)
    _lang(el, report)
    _children(el, OPTIONAL, report, rss)


def _group(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    contents = sum(1 for child in el if child.tag == CONTENT)
    if contents < 2:
        error(report, "media-group-too-small", el,
              "must hold at least two <media:content> alternatives")
    _children(el, OPTIONAL | {CONTENT}, report, rss)


def _lang(el: Any, report: Report) -> None:
    lang = el.get("lang")
    if lang is not None and not is_language(lang):
        error(report, "ext-attribute-invalid", el, f'lang "{short(lang)}" is not a language tag')


def _thumbnail(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "url", report, required=True)
    for name in ("height", "width"):
        positive_attr(el, name, report)
    pattern_attr(el, "time", NPT, "a normal-play-time", report)


def _player(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "url", report, required=True)
    for name in ("height", "width"):
        positive_attr(el, name, report)


def _text_type(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    enum_attr(el, "type", {"plain", "html"}, report)


def _text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    enum_attr(el, "type", {"plain", "html"}, report)
    _lang(el, report)
    for name in ("start", "end"):
        pattern_attr(el, name, NPT, "a normal-play-time (seconds or h:mm:ss)", report)


def _hash(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    algo = el.get("algo", "md5")
    length = _HASH_LENGTHS.get(algo)
    if length is None:
        error(report, "ext-attribute-invalid", el, f'algo "{short(algo)}" is not md5 or sha-1')
        return
    text = value(el)
    if len(text) != length or any(c not in "0123456789abcdefABCDEF" for c in text):
        error(report, "ext-value-invalid", el,
              f'"{short(text)}" is not a {algo} hash ({length} hexadecimal digits)')


def _rating(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    scheme = el.get("scheme", "urn:simple")
    text = value(el)
    allowed = _RATINGS.get(scheme)
    if (allowed is not None and text not in allowed) or (
        scheme == "urn:icra" and _ICRA.fullmatch(text) is None
    ):
        error(report, "ext-value-invalid", el,
              f'"{short(text)}" is not a {scheme} rating (the predefined schemes\' values are '
              "lower case)")


def _restriction(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    if el.get("relationship") is None:
        error(report, "ext-attribute-missing", el, "has no relationship attribute")
    enum_attr(el, "relationship", {"allow", "deny"}, report)
    enum_attr(el, "type", {"country", "uri", "sharing"}, report)
    text = value(el)
    if text in ("all", "none", ""):
        return
    kind = el.get("type")
    if kind is None:
        error(report, "ext-value-invalid", el,
              f'"{short(text)}" must be "all" or "none" when there is no type attribute')
    for token in text.split():
        if kind == "country" and (
            _COUNTRY.fullmatch(token.upper()) is None or _USER_ASSIGNED.fullmatch(token.upper())
        ):
            error(report, "ext-value-invalid", el, f'"{short(token)}" is not an ISO 3166 country code')
        elif kind == "uri" and uri_problem(token, absolute=True):
            error(report, "ext-url-invalid", el, f'"{short(token)}" is not an absolute URI')


def _credit(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    role = el.get("role")
    if role is not None and role != role.lower():
        error(report, "media-credit-role-invalid", el,
              f'role "{short(role)}" must be lower case (Media RSS)')


def _adult(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    report.warning("media-adult-deprecated",
                   "<media:adult> is deprecated since Media RSS 1.1: use <media:rating "
                   'scheme="urn:simple">adult</media:rating> (or nonadult)', el)
    if value(el) not in ("true", "false"):
        error(report, "ext-value-invalid", el, f'"{short(value(el))}" is not "true" or "false"')


def _price(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    enum_attr(el, "type", {"rent", "purchase", "package", "subscription"}, report)
    pattern_attr(el, "price", FLOAT, "a number", report)
    pattern_attr(el, "currency", _CURRENCY, "an ISO 4217 currency code (three capitals)", report)
    url_attr(el, "info", report)


def _embed(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "url", report)
    for name in ("height", "width"):
        positive_attr(el, name, report)


def _star_rating(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    for name in ("average", "min", "max"):
        pattern_attr(el, name, FLOAT, "a number", report)
    pattern_attr(el, "count", INT, "a non-negative integer", report)


def _statistics(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    for name in ("views", "favorites"):
        pattern_attr(el, name, INT, "a non-negative integer", report)


def _href(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    url_attr(el, "href", report)
    _lang(el, report)


CHECKS: dict[str, Check] = {
    CONTENT: _content,
    GROUP: _group,
    M + "thumbnail": _thumbnail,
    M + "player": _player,
    M + "text": _text,
    M + "hash": _hash,
    M + "rating": _rating,
    M + "restriction": _restriction,
    M + "copyright": lambda el, tag, where, report, rss: url_attr(el, "url", report, absolute=False),
    M + "category": lambda el, tag, where, report, rss: url_attr(el, "scheme", report),
    M + "credit": _credit,
    M + "adult": _adult,
    M + "price": _price,
    M + "embed": _embed,
    M + "starRating": _star_rating,
    M + "statistics": _statistics,
    M + "status": lambda el, tag, where, report, rss: enum_attr(
        el, "state", {"active", "blocked", "deleted"}, report),
    M + "rights": lambda el, tag, where, report, rss: enum_attr(
        el, "status", {"userCreated", "official"}, report),
    **{M + n: _href for n in ("license", "subTitle", "peerLink")},
    **{M + n: _text_type for n in _TEXT_TYPED},
}
