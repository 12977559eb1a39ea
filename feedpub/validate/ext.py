"""Extension namespaces used in both RSS and Atom: content, Dublin Core, syndication,
threading (RFC 4685), iTunes basics, Media RSS basics, geo, trackback and blogChannel.

Each check is keyed by the Clark-notation tag, so dispatch is one dictionary lookup;
unknown extension elements are allowed (they are how feeds are extended), except in
namespaces whose vocabulary is closed (threading).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from feedpub.validate.common import (
    ACCESS,
    ADMIN,
    ATOM,
    BLOGCHANNEL,
    CC,
    CONTENT,
    CREATIVECOMMONS,
    DC,
    DCTERMS,
    GEO,
    GEORSS,
    GEOURL,
    GML,
    ICBM,
    ITUNES,
    MEDIA,
    OPENSEARCH,
    RDF,
    SLASH,
    SY,
    THR,
    TRACKBACK,
    WFW,
    XHTML,
    name_of,
    short,
    text_of,
)
from feedpub.validate.dates import rfc3339, w3cdtf
from feedpub.validate.findings import Report
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import is_addr_spec, is_language, is_mime_type, uri_problem

Check = Callable[[Any, str, str, Report, bool], None]

_INT = re.compile(r"\d+")
_FLOAT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)")
_NPT = re.compile(r"(?:\d+(?:\.\d*)?|(?:\d+:)?[0-5]?\d:[0-5]?\d(?:\.\d*)?)")
_DURATION = re.compile(r"\d+(?::[0-5]?\d){0,2}(?:\.\d+)?")
_ICRA = re.compile(r"r \((?:\s*[clnosv][a-z] [01])*\s*\)")
_COUNTRY = re.compile(r"[A-Z]{2}")
_USER_ASSIGNED = re.compile(r"AA|Q[M-Z]|X[A-Z]|ZZ")
_RATINGS = {
    "urn:simple": {"adult", "nonadult"},
    "urn:mpaa": {"g", "pg", "pg-13", "r", "nc-17", "x"},
    "urn:v-chip": {"tv-y", "tv-y7", "tv-y7-fv", "tv-g", "tv-pg", "tv-14", "tv-ma"},
}
_HASH_LENGTHS = {"md5": 32, "sha-1": 40}
MEDIA_WRONG_NS = "http://search.yahoo.com/mrss"


def _error(report: Report, rule: str, el: Any, message: str) -> None:
    report.error(rule, f"<{name_of(el.tag)}> {message}", el)


def _value(el: Any) -> str:
    return (el.text or "").strip()


# --- value helpers -----------------------------------------------------------------


def _url_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    value = _value(el)
    problem = uri_problem(value, iri=not rss, absolute=True) if value else "is empty"
    if problem:
        _error(report, "ext-url-invalid", el, f'"{short(value)}" {problem}')


def _url_attr(el: Any, name: str, report: Report, *, required: bool = False,
              absolute: bool = True) -> None:
    value = el.get(name)
    if value is None:
        if required:
            _error(report, "ext-attribute-missing", el, f"has no {name} attribute")
        return
    problem = uri_problem(value, absolute=absolute)
    if problem:
        _error(report, "ext-url-invalid", el, f'{name} "{short(value)}" {problem}')


def _pattern_attr(el: Any, name: str, pattern: re.Pattern[str], what: str, report: Report,
                  rule: str = "ext-attribute-invalid") -> None:
    value = el.get(name)
    if value is not None and pattern.fullmatch(value) is None:
        _error(report, rule, el, f'{name} "{short(value)}" is not {what}')


def _enum_attr(el: Any, name: str, allowed: set[str], report: Report) -> None:
    value = el.get(name)
    if value is not None and value not in allowed:
        _error(report, "ext-attribute-invalid", el,
               f'{name} "{short(value)}" is not one of {", ".join(sorted(allowed))}')


def _positive_attr(el: Any, name: str, report: Report) -> None:
    value = el.get(name)
    if value is not None and (_INT.fullmatch(value) is None or int(value) == 0):
        _error(report, "ext-attribute-invalid", el, f'{name} "{short(value)}" is not a positive integer')


def _w3cdtf_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    problem = w3cdtf(el.text or "")
    if problem:
        _error(report, "ext-date-invalid", el, f'"{short(el.text or "")}" {problem}')


def _language_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    if not is_language(_value(el)):
        _error(report, "ext-language-invalid", el, f'"{short(_value(el))}" is not a language tag')


def _html_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    problem = unsafe_html(text_of(el))
    if problem:
        report.warning("html-unsafe", f"<{name_of(tag)}> {problem}", el)


def _text_pattern(pattern: re.Pattern[str], what: str, rule: str = "ext-value-invalid") -> Check:
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        value = el.text or ""
        if pattern.fullmatch(value) is None:
            _error(report, rule, el, f'"{short(value)}" is not {what}')
    return check


def _text_range(low: float, high: float, what: str) -> Check:
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        value = _value(el)
        if _FLOAT.fullmatch(value) is None or not low <= float(value) <= high:
            _error(report, "ext-value-invalid", el, f'"{short(value)}" is not {what}')
    return check


def _text_max(limit: int) -> Check:
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        if len(text_of(el)) > limit:
            _error(report, "ext-value-too-long", el, f"is longer than {limit} characters")
    return check


# --- threading (RFC 4685) and Atom-in-RSS -------------------------------------------


def _thr_in_reply_to(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    ref = el.get("ref")
    if ref is None:
        _error(report, "ext-attribute-missing", el, "has no ref attribute (RFC 4685)")
    else:
        problem = uri_problem(ref, absolute=True)
        if problem:
            _error(report, "ext-url-invalid", el, f'ref "{short(ref)}" {problem}')
    _url_attr(el, "href", report, absolute=False)
    _url_attr(el, "source", report, absolute=False)
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        _error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')


def _georss_point(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """GeoRSS Simple point: "latitude longitude" in decimal degrees."""
    parts = _value(el).split()
    valid = len(parts) == 2 and all(_FLOAT.fullmatch(p) for p in parts)
    if not valid or not (-90 <= float(parts[0]) <= 90 and -180 <= float(parts[1]) <= 180):
        _error(report, "ext-value-invalid", el,
               f'"{short(_value(el))}" is not "latitude longitude" in decimal degrees')


def _rdf_resource(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """admin:* and cc:license point at their target with rdf:resource, a full URI."""
    value = el.get(f"{{{RDF}}}resource")
    if value is None:
        _error(report, "ext-attribute-missing", el, "has no rdf:resource attribute")
        return
    problem = uri_problem(value, absolute=True)
    if problem:
        _error(report, "ext-url-invalid", el, f'rdf:resource "{short(value)}" {problem}')


def _atom_link_in_rss(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    href = el.get("href")
    if href is None:
        _error(report, "ext-attribute-missing", el, "has no href attribute")
    else:
        problem = uri_problem(href)
        if problem:
            _error(report, "ext-url-invalid", el, f'href "{short(href)}" {problem}')
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        _error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')
    if any(name.startswith(_THR_PREFIX) for name in el.attrib):
        check_thr_link(el, report)


# --- iTunes ------------------------------------------------------------------------


def _itunes_enum(allowed: set[str], *, fold: bool = False) -> Check:
    """A value list; ``fold`` makes it case-insensitive (itunes:explicit: "Yes", "Clean")."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        value = el.text or ""
        if (value.lower() if fold else value) not in allowed:
            _error(report, "itunes-value-invalid", el,
                   f'"{short(value)}" is not one of {", ".join(sorted(allowed))}')
    return check


def _itunes_image(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "href", report, required=True)


def _itunes_category(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    text = el.get("text")
    if not text:
        _error(report, "ext-attribute-missing", el, "has no text attribute")
    elif text in ITUNES_OBSOLETE_CATEGORIES:
        report.warning("itunes-category-obsolete",
                       f'<itunes:category> text "{short(text)}" is from the list Apple retired '
                       "in 2006", el)
    elif text not in ITUNES_CATEGORIES:
        _error(report, "itunes-category-invalid", el,
               f'text "{short(text)}" is not an Apple Podcasts category or subcategory')
    for child in el:
        if child.tag == tag:
            _itunes_category(child, tag, where, report, rss)


def _itunes_owner(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    for child in el:
        if child.tag == f"{{{ITUNES}}}email" and not is_addr_spec(_value(child)):
            _error(report, "ext-email-invalid", child,
                   f'"{short(_value(child))}" is not an e-mail address')


# --- Media RSS ---------------------------------------------------------------------


def _media_content(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "url", report)
    for name in ("fileSize", "channels"):
        _pattern_attr(el, name, _INT, "a non-negative integer", report)
    for name in ("bitrate", "framerate", "samplingrate", "duration"):
        _pattern_attr(el, name, _FLOAT, "a number", report)
    for name in ("height", "width"):
        _positive_attr(el, name, report)
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        _error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')
    _enum_attr(el, "isDefault", {"true", "false"}, report)
    _enum_attr(el, "expression", {"sample", "full", "nonstop"}, report)
    _enum_attr(el, "medium", {"image", "audio", "video", "document", "executable"}, report)
    _media_children(el, report, rss)


def _media_children(el: Any, report: Report, rss: bool) -> None:
    seen: set[str] = set()
    for child in el:
        tag = child.tag
        if not isinstance(tag, str):
            continue
        if tag in _MEDIA_ONCE:
            if tag in seen:
                _error(report, "ext-element-duplicate", child, "appears more than once here")
            seen.add(tag)
        check = CHECKS.get(tag)
        if check is not None:
            check(child, tag, "media", report, rss)


def _media_group(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    contents = sum(1 for child in el if child.tag == f"{{{MEDIA}}}content")
    if contents < 2:
        _error(report, "media-group-too-small", el,
               "must hold at least two <media:content> alternatives")
    _media_children(el, report, rss)


def _media_thumbnail(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "url", report, required=True)
    for name in ("height", "width"):
        _positive_attr(el, name, report)
    _pattern_attr(el, "time", _NPT, "a normal-play-time", report)


def _media_player(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "url", report, required=True)
    for name in ("height", "width"):
        _positive_attr(el, name, report)


def _media_text_type(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _enum_attr(el, "type", {"plain", "html"}, report)


def _media_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _enum_attr(el, "type", {"plain", "html"}, report)
    for name in ("start", "end"):
        _pattern_attr(el, name, _NPT, "a normal-play-time (seconds or h:mm:ss)", report)


def _media_hash(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    algo = el.get("algo", "md5")
    length = _HASH_LENGTHS.get(algo)
    if length is None:
        _error(report, "ext-attribute-invalid", el, f'algo "{short(algo)}" is not md5 or sha-1')
        return
    value = _value(el)
    if len(value) != length or any(c not in "0123456789abcdefABCDEF" for c in value):
        _error(report, "ext-value-invalid", el,
               f'"{short(value)}" is not a {algo} hash ({length} hexadecimal digits)')


def _media_rating(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    scheme = el.get("scheme", "urn:simple")
    value = _value(el)
    allowed = _RATINGS.get(scheme)
    if (allowed is not None and value.lower() not in allowed) or (
        scheme == "urn:icra" and _ICRA.fullmatch(value) is None
    ):
        _error(report, "ext-value-invalid", el, f'"{short(value)}" is not a {scheme} rating')


def _media_restriction(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    relationship = el.get("relationship")
    if relationship is None:
        _error(report, "ext-attribute-missing", el, "has no relationship attribute")
    _enum_attr(el, "relationship", {"allow", "deny"}, report)
    _enum_attr(el, "type", {"country", "uri", "sharing"}, report)
    value = _value(el)
    if value in ("all", "none", ""):
        return
    kind = el.get("type")
    if kind is None:
        _error(report, "ext-value-invalid", el,
               f'"{short(value)}" must be "all" or "none" when there is no type attribute')
    for token in value.split():
        if kind == "country" and (
            _COUNTRY.fullmatch(token.upper()) is None or _USER_ASSIGNED.fullmatch(token.upper())
        ):
            _error(report, "ext-value-invalid", el,
                   f'"{short(token)}" is not an ISO 3166 country code')
        elif kind == "uri" and uri_problem(token, absolute=True):
            _error(report, "ext-url-invalid", el, f'"{short(token)}" is not an absolute URI')


def _media_copyright(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "url", report, absolute=False)


def _media_category(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    _url_attr(el, "scheme", report)


# --- GeoRSS (Simple and GML) ---------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,]+")


def _coordinates(value: str) -> list[float] | None:
    """Numbers of a GeoRSS coordinate list (white space separated; commas tolerated)."""
    parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    if not parts or any(_FLOAT.fullmatch(p) is None for p in parts):
        return None
    return [float(p) for p in parts]


def _pairs_problem(numbers: list[float] | None, minimum: int, exact: bool = False) -> str | None:
    """What is wrong with a list of "latitude longitude" pairs, or None."""
    if numbers is None:
        return "is not a list of decimal numbers"
    if len(numbers) % 2:
        return "has an odd number of values (each point is a latitude and a longitude)"
    count = len(numbers) // 2
    if count < minimum or (exact and count != minimum):
        return f"must have {'exactly' if exact else 'at least'} {minimum} latitude-longitude pairs"
    for lat, lon in zip(numbers[::2], numbers[1::2], strict=True):
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return "has a latitude outside -90..90 or a longitude outside -180..180"
    return None


def _georss_shape(minimum: int, *, exact: bool = False, closed: bool = False) -> Check:
    """georss:line (2+ points), georss:polygon (4+, closed ring), georss:box (exactly 2)."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        numbers = _coordinates(el.text or "")
        problem = _pairs_problem(numbers, minimum, exact)
        if problem is None and closed and numbers is not None and numbers[:2] != numbers[-2:]:
            problem = "must end with the same point it starts with (a closed ring)"
        if problem:
            _error(report, "ext-georss-invalid", el, f'"{short(el.text or "")}" {problem}')
    return check


def _georss_number(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """georss:elev, floor and radius are decimal numbers (floor an integer)."""
    value = _value(el)
    pattern = re.compile(r"[+-]?\d+") if tag.endswith("floor") else _FLOAT
    if pattern.fullmatch(value) is None:
        _error(report, "ext-georss-invalid", el, f'"{short(value)}" is not a number')


_GML_PAIRS = {f"{{{GML}}}pos": (1, True), f"{{{GML}}}lowerCorner": (1, True),
              f"{{{GML}}}upperCorner": (1, True), f"{{{GML}}}posList": (2, False)}


def _georss_where(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """georss:where holds one GML geometry whose pos/posList values are coordinate pairs."""
    for node in el.iter(*_GML_PAIRS):
        minimum, exact = _GML_PAIRS[node.tag]
        problem = _pairs_problem(_coordinates(node.text or ""), minimum, exact)
        if problem:
            _error(report, "ext-georss-invalid", node, f'"{short(node.text or "")}" {problem}')


def _comma_integers(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """slash:hit_parade: comma-separated non-negative integers."""
    value = _value(el)
    if not all(_INT.fullmatch(part.strip()) for part in value.split(",")):
        _error(report, "ext-value-invalid", el, f'"{short(value)}" is not comma-separated integers')


# --- threading attributes on links (RFC 4685 section 4) ------------------------------

_THR_PREFIX = f"{{{THR}}}"
_THR_COUNT = f"{{{THR}}}count"
_THR_UPDATED = f"{{{THR}}}updated"
_THR_WHEN = f"{{{THR}}}when"


def check_thr_link(el: Any, report: Report) -> None:
    """thr:count and thr:updated on a replies link; thr:when is a withdrawn draft name."""
    count = el.get(_THR_COUNT)
    if count is not None and _INT.fullmatch(count.strip()) is None:
        _error(report, "ext-thr-link-invalid", el,
               f'thr:count "{short(count)}" is not a non-negative integer (RFC 4685 4)')
    updated = el.get(_THR_UPDATED)
    if updated is not None and rfc3339(updated):
        _error(report, "ext-thr-link-invalid", el,
               f'thr:updated "{short(updated)}" is not an RFC 3339 date-time (RFC 4685 4)')
    if el.get(_THR_WHEN) is not None:
        _error(report, "ext-thr-when-obsolete", el,
               "thr:when comes from a draft of RFC 4685; the attribute is thr:updated")


# --- OpenSearch, access, robots meta, Media RSS credit ------------------------------

_QUERY_ROLES = frozenset({"request", "example", "related", "correction", "subset", "superset"})
_UNRESERVED_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*")


def _opensearch_query(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    role = el.get("role")
    if role is None:
        _error(report, "ext-attribute-missing", el, "has no role attribute (OpenSearch 1.1)")
    elif role not in _QUERY_ROLES and ":" not in role:
        _error(report, "ext-attribute-invalid", el,
               f'role "{short(role)}" is not one of {", ".join(sorted(_QUERY_ROLES))} '
               "nor a prefixed name")
    terms = el.get("searchTerms")
    if terms is not None and _UNRESERVED_ENCODED.fullmatch(terms) is None:
        _error(report, "ext-attribute-invalid", el,
               f'searchTerms "{short(terms)}" must be URL-encoded (OpenSearch 1.1)')


def _access_restriction(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    relationship = el.get("relationship")
    if relationship is None:
        _error(report, "ext-attribute-missing", el, "has no relationship attribute")
    _enum_attr(el, "relationship", {"allow", "deny"}, report)


_ROBOTS = {"all", "none", "index", "noindex", "follow", "nofollow"}
_ROBOTS_CONFLICTS = ({"index", "noindex"}, {"follow", "nofollow"})


def _robots_meta(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """<xhtml:meta name="robots" content="noindex, nofollow"> in an RSS channel or item."""
    name = el.get("name")
    if name is not None and name.lower() != "robots":
        _error(report, "ext-robots-meta-invalid", el,
               f'name "{short(name)}" is not "robots", the only meta name a feed uses')
    content = el.get("content")
    if content is None:
        return
    tokens = [t.strip().lower() for t in content.split(",")]
    unique = set(tokens)
    bad = (not unique <= _ROBOTS or len(unique) != len(tokens)
           or any(pair <= unique for pair in _ROBOTS_CONFLICTS)
           or (len(tokens) > 1 and unique & {"all", "none"}))
    if bad:
        _error(report, "ext-robots-meta-invalid", el,
               f'content "{short(content)}" is not a consistent list of all, none, index, '
               "noindex, follow, nofollow")


def _media_credit(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    role = el.get("role")
    if role is not None and role != role.lower():
        _error(report, "media-credit-role-invalid", el,
               f'role "{short(role)}" must be lower case (Media RSS)')


# --- trackback ---------------------------------------------------------------------


def _trackback(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    if el.get(f"{{{RDF}}}resource") is not None:
        _error(report, "ext-attribute-invalid", el,
               "uses the RSS 1.0 rdf:resource form; in RSS 2.0 and Atom the URL is the content")
    if where not in ("item", "entry"):
        report.error("ext-element-misplaced",
                     f"<{name_of(tag)}> belongs in an item or entry, not <{where}>", el)
    _url_text(el, tag, where, report, rss)


_MEDIA_ONCE = frozenset(f"{{{MEDIA}}}{n}" for n in ("copyright", "description", "title",
                                                    "keywords", "rating", "hash"))
_MEDIA_TEXT_TYPED = ("title", "description")
# Extension elements that may appear at most once per parent.
ONCE = _MEDIA_ONCE | frozenset(
    f"{{{ITUNES}}}{n}" for n in ("explicit", "block", "complete", "type", "episodeType",
                                 "episode", "season", "duration", "image", "owner",
                                 "new-feed-url", "subtitle", "summary", "keywords", "author")
) | frozenset(
    # single-valued module elements: one update schedule, one comment URL, one ping URL...
    [f"{{{SY}}}{n}" for n in ("updatePeriod", "updateFrequency", "updateBase")]
    + [f"{{{ADMIN}}}{n}" for n in ("generatorAgent", "errorReportsTo")]
    + [f"{{{BLOGCHANNEL}}}{n}" for n in ("blogRoll", "mySubscriptions", "blink", "changes")]
    + [f"{{{WFW}}}{n}" for n in ("comment", "commentRss")]
    + [f"{{{SLASH}}}{n}" for n in ("comments", "hit_parade")]
    + [f"{{{TRACKBACK}}}ping"])
_DC_DATES = ("date",)
# dcterms:available and dcterms:valid may hold periods (DCMI Period), not just dates.
_DCTERMS_DATES = ("created", "issued", "modified", "dateAccepted", "dateCopyrighted",
                  "dateSubmitted")

# One checker each for values that several namespaces spell differently.
_LATITUDE = _text_range(-90, 90, "a latitude from -90 to 90")
_LONGITUDE = _text_range(-180, 180, "a longitude from -180 to 180")
_COUNT = _text_pattern(re.compile(r"\s*\d+\s*"), "a non-negative integer")

CHECKS: dict[str, Check] = {
    f"{{{CONTENT}}}encoded": _html_text,
    f"{{{DC}}}date": _w3cdtf_text,
    f"{{{DC}}}language": _language_text,
    **{f"{{{DCTERMS}}}{n}": _w3cdtf_text for n in _DCTERMS_DATES},
    f"{{{SY}}}updatePeriod": _text_pattern(
        re.compile(r"\s*(?:hourly|daily|weekly|monthly|yearly)\s*"),
        "hourly, daily, weekly, monthly or yearly"),
    f"{{{SY}}}updateFrequency": _text_pattern(re.compile(r"\s*0*[1-9]\d*\s*"), "a positive integer"),
    f"{{{SY}}}updateBase": _w3cdtf_text,
    f"{{{THR}}}in-reply-to": _thr_in_reply_to,
    f"{{{THR}}}total": _COUNT,
    f"{{{ATOM}}}link": _atom_link_in_rss,
    f"{{{ITUNES}}}explicit": _itunes_enum({"yes", "no", "clean", "true", "false"}, fold=True),
    f"{{{ITUNES}}}block": _itunes_enum({"yes", "Yes", "no", "No"}),
    f"{{{ITUNES}}}complete": _itunes_enum({"yes", "Yes", "no", "No"}),
    f"{{{ITUNES}}}type": _itunes_enum({"episodic", "serial"}),
    f"{{{ITUNES}}}episodeType": _itunes_enum({"full", "trailer", "bonus"}),
    f"{{{ITUNES}}}episode": _text_pattern(re.compile(r"\s*0*[1-9]\d*\s*"), "a positive integer"),
    f"{{{ITUNES}}}season": _text_pattern(re.compile(r"\s*0*[1-9]\d*\s*"), "a positive integer"),
    f"{{{ITUNES}}}duration": _text_pattern(re.compile(r"\s*" + _DURATION.pattern + r"\s*"),
                                           "a duration (seconds, mm:ss or hh:mm:ss)"),
    f"{{{ITUNES}}}image": _itunes_image,
    f"{{{ITUNES}}}category": _itunes_category,
    f"{{{ITUNES}}}owner": _itunes_owner,
    f"{{{ITUNES}}}new-feed-url": _url_text,
    f"{{{ITUNES}}}keywords": _text_max(255),
    f"{{{ITUNES}}}subtitle": _text_max(255),
    f"{{{ITUNES}}}summary": _text_max(4000),
    f"{{{MEDIA}}}content": _media_content,
    f"{{{MEDIA}}}group": _media_group,
    f"{{{MEDIA}}}thumbnail": _media_thumbnail,
    f"{{{MEDIA}}}player": _media_player,
    f"{{{MEDIA}}}text": _media_text,
    f"{{{MEDIA}}}hash": _media_hash,
    f"{{{MEDIA}}}rating": _media_rating,
    f"{{{MEDIA}}}restriction": _media_restriction,
    f"{{{MEDIA}}}copyright": _media_copyright,
    f"{{{MEDIA}}}category": _media_category,
    f"{{{MEDIA}}}credit": _media_credit,
    **{f"{{{MEDIA}}}{n}": _media_text_type for n in _MEDIA_TEXT_TYPED},
    f"{{{GEO}}}lat": _LATITUDE,
    f"{{{GEO}}}long": _LONGITUDE,
    f"{{{GEOURL}}}latitude": _LATITUDE,
    f"{{{GEOURL}}}longitude": _LONGITUDE,
    f"{{{TRACKBACK}}}ping": _trackback,
    f"{{{TRACKBACK}}}about": _trackback,
    **{f"{{{BLOGCHANNEL}}}{n}": _url_text for n in ("blogRoll", "mySubscriptions", "blink",
                                                    "changes")},
    f"{{{CREATIVECOMMONS}}}license": _url_text,
    f"{{{SLASH}}}comments": _COUNT,
    f"{{{WFW}}}comment": _url_text,
    f"{{{WFW}}}commentRss": _url_text,
    f"{{{GEORSS}}}point": _georss_point,
    f"{{{GEORSS}}}line": _georss_shape(2),
    f"{{{GEORSS}}}polygon": _georss_shape(4, closed=True),
    f"{{{GEORSS}}}box": _georss_shape(2, exact=True),
    f"{{{GEORSS}}}where": _georss_where,
    **{f"{{{GEORSS}}}{n}": _georss_number for n in ("elev", "floor", "radius")},
    f"{{{SLASH}}}hit_parade": _comma_integers,
    f"{{{OPENSEARCH}}}Query": _opensearch_query,
    f"{{{ACCESS}}}restriction": _access_restriction,
    f"{{{XHTML}}}meta": _robots_meta,
    f"{{{ICBM}}}latitude": _LATITUDE,
    f"{{{ICBM}}}longitude": _LONGITUDE,
    f"{{{ADMIN}}}generatorAgent": _rdf_resource,
    f"{{{ADMIN}}}errorReportsTo": _rdf_resource,
    f"{{{CC}}}license": _rdf_resource,
    **{f"{{{OPENSEARCH}}}{n}": _COUNT
       for n in ("totalResults", "startIndex", "itemsPerPage")},
}


def _names(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Namespaces whose vocabulary is closed: each module (or specification) defines its
# elements, so any other name in the namespace is a typo or a misuse. Lists are
# generous (every element the module ever defined), so a valid feed is never refused.
CLOSED: dict[str, frozenset[str]] = {
    THR: _names("in-reply-to total"),
    DC: _names("contributor coverage creator date description format identifier language "
               "publisher relation rights source subject title type"),
    DCTERMS: _names(
        "abstract accessRights accrualMethod accrualPeriodicity accrualPolicy alternative "
        "audience available bibliographicCitation conformsTo contributor coverage created "
        "creator date dateAccepted dateCopyrighted dateSubmitted description educationLevel "
        "extent format hasFormat hasPart hasVersion identifier instructionalMethod isFormatOf "
        "isPartOf isReferencedBy isReplacedBy isRequiredBy issued isVersionOf language license "
        "mediator medium modified provenance publisher references relation replaces requires "
        "rights rightsHolder source spatial subject tableOfContents temporal title type valid"),
    CONTENT: _names("encoded items item format encoding"),
    SY: _names("updatePeriod updateFrequency updateBase"),
    SLASH: _names("section department comments hit_parade"),
    WFW: _names("comment commentRss commentRSS"),
    ADMIN: _names("generatorAgent errorReportsTo"),
    TRACKBACK: _names("ping about"),
    BLOGCHANNEL: _names("blogRoll mySubscriptions blink changes"),
    CREATIVECOMMONS: _names("license"),
    GEO: _names("lat long alt lat_long Point SpatialThing location"),
    GEOURL: _names("latitude longitude"),
    ICBM: _names("latitude longitude"),
    GEORSS: _names("point line polygon box where elev floor radius featuretypetag "
                   "relationshiptag featurename"),
    ITUNES: _names(
        "author block category complete duration email episode episodeType explicit image "
        "isClosedCaptioned keywords name new-feed-url order owner subtitle summary title type "
        "season pubDate applepodcastsverify link"),
    MEDIA: _names(
        "group content rating title description keywords thumbnail category hash player credit "
        "copyright text restriction community starRating statistics tags comments comment embed "
        "param responses response backLinks backLink status price license subTitle peerLink "
        "location rights adult scenes scene sceneTitle sceneDescription sceneStartTime sceneEndTime"),
}

# Elements a module places in the channel (feed) only, or in items (entries) only.
_CHANNEL_ONLY = frozenset(
    [f"{{{SY}}}{n}" for n in CLOSED[SY]]
    + [f"{{{ITUNES}}}{n}" for n in ("category", "owner", "new-feed-url", "type", "complete")]
    + [f"{{{ADMIN}}}{n}" for n in CLOSED[ADMIN]]
    + [f"{{{BLOGCHANNEL}}}{n}" for n in CLOSED[BLOGCHANNEL]])
_ITEM_ONLY = frozenset(
    [f"{{{ITUNES}}}{n}" for n in ("duration", "episode", "season", "episodeType", "order",
                                  "isClosedCaptioned")]
    + [f"{{{SLASH}}}{n}" for n in CLOSED[SLASH]]
    + [f"{{{WFW}}}{n}" for n in CLOSED[WFW]])
_CHANNEL_LEVEL = frozenset({"channel", "feed"})
_ITEM_LEVEL = frozenset({"item", "entry"})

# Apple Podcasts categories and subcategories: the current list and the one before it
# (still read by directories), as one flat set of names.
ITUNES_CATEGORIES = frozenset(line.strip() for line in """
Arts
Books
Design
Fashion & Beauty
Food
Literature
Performing Arts
Visual Arts
Business
Business News
Careers
Entrepreneurship
Investing
Management
Management & Marketing
Marketing
Non-Profit
Shopping
Comedy
Comedy Interviews
Improv
Stand-Up
Education
Courses
Education Technology
Higher Education
How To
K-12
Language Courses
Language Learning
Self-Improvement
Training
Fiction
Comedy Fiction
Drama
Science Fiction
Games & Hobbies
Automotive
Aviation
Hobbies
Other Games
Video Games
Government
Government & Organizations
Local
National
Regional
Health
Health & Fitness
Alternative Health
Fitness
Fitness & Nutrition
Medicine
Mental Health
Nutrition
Self-Help
Sexuality
History
Kids & Family
Education for Kids
Parenting
Pets & Animals
Stories for Kids
Leisure
Animation & Manga
Crafts
Games
Home & Garden
Music
Music Commentary
Music History
Music Interviews
News
News & Politics
Daily News
Entertainment News
News Commentary
Politics
Sports News
Tech News
Religion & Spirituality
Buddhism
Christianity
Hinduism
Islam
Judaism
Other
Religion
Spirituality
Science
Science & Medicine
Astronomy
Chemistry
Earth Sciences
Life Sciences
Mathematics
Natural Sciences
Nature
Physics
Social Sciences
Society & Culture
Documentary
Personal Journals
Philosophy
Places & Travel
Relationships
Sports
Sports & Recreation
Amateur
Baseball
Basketball
College & High School
Cricket
Fantasy Sports
Football
Golf
Hockey
Outdoor
Professional
Rugby
Running
Soccer
Swimming
Tennis
Volleyball
Wilderness
Wrestling
Technology
Gadgets
Podcasting
Software How-To
True Crime
TV & Film
After Shows
Film History
Film Interviews
Film Reviews
TV Reviews
""".splitlines() if line.strip())
# The list before June 2006: still seen in old feeds; a warning, not an error.
ITUNES_OBSOLETE_CATEGORIES = frozenset(
    name.strip() for name in (
        "Arts & Entertainment|Architecture|Entertainment|Photography|Poetry|Audio Blogs|"
        "Finance|Family|Diet & Nutrition|International|Australian|Belgian|Brazilian|Canadian|"
        "Chinese|Dutch|French|German|Hebrew|Italian|Japanese|Norwegian|Polish|Portuguese|"
        "Spanish|Swedish|Movies & Television|Public Radio|Talk Radio|Computers|Developers|"
        "Information Technology|Operating Systems|Smart Phones|Text/Speech|Transportation|"
        "Bicycles|Commuting|Travel").split("|")) - ITUNES_CATEGORIES


def check_element(el: Any, tag: str, where: str, report: Report, *, rss: bool,
                  seen: set[str] | None = None) -> None:
    """Check one extension element found under ``where`` (channel, item, feed, entry...).

    ``seen`` is the caller's set of extension tags already met under the same parent,
    for the elements that may appear only once there.
    """
    if seen is not None and tag in ONCE:
        if tag in seen:
            _error(report, "ext-element-duplicate", el, f"appears more than once in <{where}>")
        seen.add(tag)
    if tag in _CHANNEL_ONLY:
        if where in _ITEM_LEVEL:
            report.error("ext-element-misplaced",
                         f"<{name_of(tag)}> belongs in the channel (feed), not <{where}>", el)
    elif tag in _ITEM_ONLY and where in _CHANNEL_LEVEL:
        report.error("ext-element-misplaced",
                     f"<{name_of(tag)}> belongs in an item (entry), not <{where}>", el)
    check = CHECKS.get(tag)
    if check is not None:
        check(el, tag, where, report, rss)
        return
    namespace, _, local = tag[1:].partition("}")
    known = CLOSED.get(namespace)
    if known is not None and local not in known:
        report.error("ext-element-unknown", f"<{name_of(tag)}> is not defined by its namespace", el)
    elif namespace == MEDIA_WRONG_NS:
        report.error("media-namespace-invalid",
                     f'Media RSS namespace must be "{MEDIA}" (with the final slash)', el)
