"""Extension namespaces used in both RSS and Atom: content, Dublin Core, syndication,
threading (RFC 4685), feed history (RFC 5005), geo, GeoRSS, trackback, blogChannel,
slash, wfw, OpenSearch, access and the robots meta tag; iTunes and Media RSS have
their own modules.

Each check is keyed by the Clark-notation tag, so dispatch is one dictionary lookup.
Unknown extension elements are allowed (they are how feeds are extended), except in
namespaces whose vocabulary is closed, and each module's placement rules (channel
only, item only, inside another element only) are checked here.
"""

from __future__ import annotations

import re

from feedpub.validate import itunes, media
from feedpub.validate.common import (
    ACCESS,
    ADMIN,
    APP,
    AT,
    ATOM,
    BLOGCHANNEL,
    CC,
    CONTENT,
    CREATIVECOMMONS,
    DC,
    DCTERMS,
    EV,
    FH,
    GEO,
    GEORSS,
    GEOURL,
    GML,
    ICBM,
    ITUNES,
    MEDIA,
    OPENSEARCH,
    PREFIXES,
    RDF,
    SLASH,
    SY,
    THR,
    TRACKBACK,
    WFW,
    XHTML,
    link_has_content,
    name_of,
    short,
    text_of,
)
from feedpub.validate.dates import rfc3339, w3cdtf
from feedpub.validate.extvalues import (
    FLOAT,
    INT,
    drop_blank_attributes,
    enum_attr,
    error,
    text_pattern,
    text_range,
    url_attr,
    url_text,
    value,
)
from feedpub.validate.findings import Report
from feedpub.validate.html import unsafe_html
from feedpub.validate.urls import is_language, is_mime_type, uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    from feedpub.validate.extvalues import Check


def _w3cdtf_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    problem = w3cdtf(el.text or "")
    if problem:
        error(report, "ext-date-invalid", el, f'"{short(el.text or "")}" {problem}')


def _event_date(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """ev:startdate and ev:enddate (RSS 1.0 Event module): "in W3CDTF format". A time
    without a zone is taken as local time (ISO 8601 allows it, and the module's own
    examples are read that way), so only the zone may be left out."""
    text = (el.text or "").strip()
    problem = w3cdtf(text)
    if problem and "T" in text and text[-1:].isdigit() and w3cdtf(text + "Z") is None:
        problem = None
    if problem:
        error(report, "ext-date-invalid", el, f'"{short(text)}" {problem}')


def _language_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    if not is_language(value(el)):
        error(report, "ext-language-invalid", el, f'"{short(value(el))}" is not a language tag')


def _html_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    problem = unsafe_html(text_of(el))
    if problem:
        report.warning("html-unsafe", f"<{name_of(tag)}> {problem}", el)


# --- threading (RFC 4685) and Atom-in-RSS -------------------------------------------


def _thr_in_reply_to(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    ref = el.get("ref")
    if ref is None:
        error(report, "ext-attribute-missing", el, "has no ref attribute (RFC 4685)")
    else:
        problem = uri_problem(ref, absolute=True)
        if problem:
            error(report, "ext-url-invalid", el, f'ref "{short(ref)}" {problem}')
    url_attr(el, "href", report, absolute=False)
    url_attr(el, "source", report, absolute=False)
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')


def _georss_point(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """GeoRSS Simple point: "latitude longitude" in decimal degrees (a comma between them
    tolerated, as in lines and boxes: the W3C service only warns about it)."""
    if _pairs_problem(_coordinates(value(el)), 1, exact=True):
        error(report, "ext-value-invalid", el,
               f'"{short(value(el))}" is not "latitude longitude" in decimal degrees')


def _rdf_resource(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """admin:* and cc:license point at their target with rdf:resource, a full URI."""
    value = el.get(f"{{{RDF}}}resource")
    if value is None:
        error(report, "ext-attribute-missing", el, "has no rdf:resource attribute")
        return
    problem = uri_problem(value, absolute=True)
    if problem:
        error(report, "ext-url-invalid", el, f'rdf:resource "{short(value)}" {problem}')


_LINK_ATTRIBUTES = frozenset({"href", "rel", "type", "hreflang", "title", "length"})


def _atom_link_in_rss(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """atom:link in RSS (RSS Best Practices, RFC 5005 Appendix B): RFC 4287's link."""
    for name in el.attrib:
        if name[:1] != "{" and name not in _LINK_ATTRIBUTES:
            report.error("atom-attribute-unknown",
                         f"<atom:link> has an attribute {name} that Atom does not define "
                         "(extension attributes need a namespace)", el)
    _check_href(el, report, "has no href attribute")
    kind = el.get("type")
    if kind is not None and not is_mime_type(kind):
        error(report, "ext-attribute-invalid", el, f'type "{short(kind)}" is not a MIME type')
    if any(name.startswith(_THR_PREFIX) for name in el.attrib):
        check_thr_link(el, report)
    if el.get("rel") is not None or el.get("hreflang") is not None or el.get("length") is not None:
        from feedpub.validate.atom import AtomChecker

        AtomChecker(report).check_link_rel(el)
    if link_has_content(el):
        report.warning("atom-link-not-empty",
                       "<atom:link> has content; its data belongs in attributes (href, rel, type)",
                       el)


def _atom_in_rss(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """atom:id, atom:updated, atom:author... in an RSS channel or item: RFC 4287's rules."""
    from feedpub.validate.atom import AtomChecker

    AtomChecker(report).check_in_rss(el, tag, where)


# Atom elements that appear once in a feed or an entry (RFC 4287 4.1.1, 4.1.2): an RSS
# channel or item using them stands for one feed or one entry.
_ATOM_ONCE = frozenset(f"{{{ATOM}}}{n}" for n in (
    "id", "title", "subtitle", "updated", "published", "icon", "logo", "rights", "generator",
    "content", "summary", "source"))


# --- the Atom Publishing Protocol's elements in feeds (RFC 5023) ----------------------

_APP_DRAFT = f"{{{APP}}}draft"
_ATOM_TITLE = f"{{{ATOM}}}title"


def _app_edited(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """RFC 5023 10.2: app:edited "is a Date construct (as defined by [RFC4287])"."""
    problem = rfc3339(el.text or "")
    if problem:
        error(report, "ext-date-invalid", el,
              f'"{short(el.text or "")}" {problem} (an Atom Date construct, RFC 5023 10.2)')


def _app_control(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """RFC 5023 13.1.1: app:control holds at most one app:draft, "yes" or "no"."""
    drafts = list(el.iterchildren(_APP_DRAFT))
    for extra in drafts[1:]:
        error(report, "ext-element-duplicate", extra, "appears more than once in <app:control>")
    for draft in drafts[:1]:
        if (draft.text or "") not in ("yes", "no"):
            error(report, "ext-value-invalid", draft,
                  f'"{short(draft.text or "")}" is not "yes" or "no" (RFC 5023 13.1.1)')


def _check_href(el: Any, report: Report, missing: str) -> None:
    """The href an element must have (``missing`` says so when it has none), as a URI."""
    href = el.get("href")
    if href is None:
        error(report, "ext-attribute-missing", el, missing)
        return
    problem = uri_problem(href)
    if problem:
        error(report, "ext-url-invalid", el, f'href "{short(href)}" {problem}')


def _app_collection(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """RFC 5023 8.3.3: an href (the collection's IRI) and one atom:title; a feed or
    source may hold one to say where its entries are edited (8.3.3, "in Atom Feed
    Documents")."""
    _check_href(el, report, "has no href attribute (RFC 5023 8.3.3)")
    titles = list(el.iterchildren(_ATOM_TITLE))
    if not titles:
        report.error("atom-element-missing",
                     "<app:collection> has no <atom:title> (RFC 5023 8.3.3)", el)
    for extra in titles[1:]:
        report.error("atom-element-duplicate", "<app:collection> has more than one <atom:title>",
                     extra)


# --- GeoRSS (Simple and GML) ---------------------------------------------------------

_SEPARATORS = re.compile(r"[\s,]+")


def _coordinates(value: str) -> list[float] | None:
    """Numbers of a GeoRSS coordinate list (white space separated; commas tolerated)."""
    parts = [p for p in _SEPARATORS.split(value.strip()) if p]
    if not parts or any(FLOAT.fullmatch(p) is None for p in parts):
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
            error(report, "ext-georss-invalid", el, f'"{short(el.text or "")}" {problem}')
    return check


def _georss_number(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """georss:elev, floor and radius are decimal numbers (floor an integer)."""
    text = value(el)
    pattern = re.compile(r"[+-]?[0-9]+") if tag.endswith("floor") else FLOAT
    if pattern.fullmatch(text) is None:
        error(report, "ext-georss-invalid", el, f'"{short(text)}" is not a number')


_GML_PAIRS = {f"{{{GML}}}pos": (1, True), f"{{{GML}}}lowerCorner": (1, True),
              f"{{{GML}}}upperCorner": (1, True), f"{{{GML}}}posList": (2, False)}


def _georss_where(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """georss:where holds one GML geometry whose pos/posList values are coordinate pairs."""
    for node in el.iter(*_GML_PAIRS):
        minimum, exact = _GML_PAIRS[node.tag]
        problem = _pairs_problem(_coordinates(node.text or ""), minimum, exact)
        if problem:
            error(report, "ext-georss-invalid", node, f'"{short(node.text or "")}" {problem}')


def _comma_integers(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """slash:hit_parade: comma-separated non-negative integers."""
    text = value(el)
    if not all(INT.fullmatch(part.strip()) for part in text.split(",")):
        error(report, "ext-value-invalid", el, f'"{short(text)}" is not comma-separated integers')


# --- threading attributes on links (RFC 4685 section 4) ------------------------------

_THR_PREFIX = f"{{{THR}}}"
_THR_COUNT = f"{{{THR}}}count"
_THR_UPDATED = f"{{{THR}}}updated"
_THR_WHEN = f"{{{THR}}}when"


def check_thr_link(el: Any, report: Report) -> None:
    """thr:count and thr:updated on a replies link; thr:when is a withdrawn draft name."""
    count = el.get(_THR_COUNT)
    if count is not None and INT.fullmatch(count.strip()) is None:
        error(report, "ext-thr-link-invalid", el,
               f'thr:count "{short(count)}" is not a non-negative integer (RFC 4685 4)')
    updated = el.get(_THR_UPDATED)
    if updated is not None and rfc3339(updated):
        error(report, "ext-thr-link-invalid", el,
               f'thr:updated "{short(updated)}" is not an RFC 3339 date-time (RFC 4685 4)')
    if el.get(_THR_WHEN) is not None:
        error(report, "ext-thr-when-obsolete", el,
               "thr:when comes from a draft of RFC 4685; the attribute is thr:updated")


# --- OpenSearch, access, robots meta, Media RSS credit ------------------------------

_QUERY_ROLES = frozenset({"request", "example", "related", "correction", "subset", "superset"})
_UNRESERVED_ENCODED = re.compile(r"(?:[A-Za-z0-9\-._~]|%[0-9A-Fa-f]{2})*")


def _opensearch_query(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    role = el.get("role")
    if role is None:
        error(report, "ext-attribute-missing", el, "has no role attribute (OpenSearch 1.1)")
    elif role not in _QUERY_ROLES and ":" not in role:
        error(report, "ext-attribute-invalid", el,
               f'role "{short(role)}" is not one of {", ".join(sorted(_QUERY_ROLES))} '
               "nor a prefixed name")
    terms = el.get("searchTerms")
    if terms is not None and _UNRESERVED_ENCODED.fullmatch(terms) is None:
        error(report, "ext-attribute-invalid", el,
               f'searchTerms "{short(terms)}" must be URL-encoded (OpenSearch 1.1)')


def _access_restriction(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    relationship = el.get("relationship")
    if relationship is None:
        error(report, "ext-attribute-missing", el, "has no relationship attribute")
    enum_attr(el, "relationship", {"allow", "deny"}, report)


_ROBOTS = {"all", "none", "index", "noindex", "follow", "nofollow"}
_ROBOTS_CONFLICTS = ({"index", "noindex"}, {"follow", "nofollow"})


def _robots_meta(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """<xhtml:meta name="robots" content="noindex, nofollow"> in an RSS channel or item."""
    name = el.get("name")
    if name is not None and name.lower() != "robots":
        error(report, "ext-robots-meta-invalid", el,
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
        error(report, "ext-robots-meta-invalid", el,
               f'content "{short(content)}" is not a consistent list of all, none, index, '
               "noindex, follow, nofollow")


def _comment_rss(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """wfw:commentRSS is a misspelling that spread; the module defines wfw:commentRss."""
    report.warning("ext-element-deprecated",
                   "<wfw:commentRSS> is a misspelling of <wfw:commentRss> (the Well-Formed Web "
                   "module's name); readers accept both, but write commentRss", el)
    url_text(el, tag, where, report, rss)


# --- trackback ---------------------------------------------------------------------


def _trackback(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """The trackback module gives the URL as rdf:resource in RSS 1.0 (an RDF document)
    and as the element's content in RSS 2.0 and Atom."""
    if where not in ("item", "entry"):
        report.error("ext-element-misplaced",
                     f"<{name_of(tag)}> belongs in an item or entry, not <{where}>", el)
    resource = el.get(f"{{{RDF}}}resource")
    if el.getroottree().getroot().tag == _RDF_ROOT:
        _rdf_resource(el, tag, where, report, rss)
        return
    if resource is not None:
        error(report, "ext-attribute-invalid", el,
               "uses the RSS 1.0 rdf:resource form; in RSS 2.0 and Atom the URL is the content")
    url_text(el, tag, where, report, rss)


_RDF_ROOT = f"{{{RDF}}}RDF"


# Extension elements that may appear at most once per parent.
ONCE = media.ONCE | itunes.ONCE | frozenset(
    # single-valued module elements: one update schedule, one comment URL, one ping URL...
    [f"{{{SY}}}{n}" for n in ("updatePeriod", "updateFrequency", "updateBase")]
    + [f"{{{ADMIN}}}{n}" for n in ("generatorAgent", "errorReportsTo")]
    + [f"{{{BLOGCHANNEL}}}{n}" for n in ("blogRoll", "mySubscriptions", "blink", "changes")]
    + [f"{{{WFW}}}{n}" for n in ("comment", "commentRss", "commentRSS")]
    + [f"{{{SLASH}}}{n}" for n in ("comments", "hit_parade")]
    + [f"{{{TRACKBACK}}}ping"] + [f"{{{FH}}}complete", f"{{{FH}}}archive"]) | _ATOM_ONCE
# dcterms:available and dcterms:valid may hold periods (DCMI Period), not just dates.
_DCTERMS_DATES = ("created", "issued", "modified", "dateAccepted", "dateCopyrighted",
                  "dateSubmitted")

# One checker each for values that several namespaces spell differently.
_LATITUDE = text_range(-90, 90, "a latitude from -90 to 90")
_LONGITUDE = text_range(-180, 180, "a longitude from -180 to 180")
_GEO_POINT_CHILDREN = {f"{{{GEO}}}lat": _LATITUDE, f"{{{GEO}}}long": _LONGITUDE}
_COUNT = text_pattern(re.compile(r"\s*[0-9]+\s*"), "a non-negative integer")



def _geo_point(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """W3C Basic Geo: a geo:Point (a SpatialThing) holds geo:lat, geo:long and geo:alt,
    "decimal degrees" (WGS84) for the first two; the same ranges as when they are
    written directly in the item."""
    for child in el:
        check = _GEO_POINT_CHILDREN.get(child.tag) if isinstance(child.tag, str) else None
        if check is not None:
            check(child, child.tag, where, report, rss)


CHECKS: dict[str, Check] = {
    f"{{{CONTENT}}}encoded": _html_text,
    f"{{{DC}}}date": _w3cdtf_text,
    f"{{{DC}}}language": _language_text,
    **{f"{{{DCTERMS}}}{n}": _w3cdtf_text for n in _DCTERMS_DATES},
    f"{{{SY}}}updatePeriod": text_pattern(
        re.compile(r"\s*(?:hourly|daily|weekly|monthly|yearly)\s*"),
        "hourly, daily, weekly, monthly or yearly"),
    f"{{{SY}}}updateFrequency": text_pattern(re.compile(r"\s*0*[1-9][0-9]*\s*"), "a positive integer"),
    f"{{{SY}}}updateBase": _w3cdtf_text,
    f"{{{EV}}}startdate": _event_date,
    f"{{{APP}}}edited": _app_edited,
    f"{{{APP}}}control": _app_control,
    f"{{{APP}}}collection": _app_collection,
    f"{{{EV}}}enddate": _event_date,
    f"{{{THR}}}in-reply-to": _thr_in_reply_to,
    f"{{{THR}}}total": _COUNT,
    f"{{{ATOM}}}link": _atom_link_in_rss,
    **{tag: _atom_in_rss for tag in _ATOM_ONCE | {f"{{{ATOM}}}{n}" for n in (
        "author", "contributor", "category")}},
    **itunes.CHECKS,
    f"{{{GEO}}}lat": _LATITUDE,
    f"{{{GEO}}}long": _LONGITUDE,
    f"{{{GEO}}}Point": _geo_point,
    f"{{{GEOURL}}}latitude": _LATITUDE,
    f"{{{GEOURL}}}longitude": _LONGITUDE,
    f"{{{TRACKBACK}}}ping": _trackback,
    f"{{{TRACKBACK}}}about": _trackback,
    **{f"{{{BLOGCHANNEL}}}{n}": url_text for n in ("blogRoll", "mySubscriptions", "blink",
                                                   "changes")},
    f"{{{CREATIVECOMMONS}}}license": url_text,
    f"{{{SLASH}}}comments": _COUNT,
    f"{{{WFW}}}comment": url_text,
    f"{{{WFW}}}commentRss": url_text,
    f"{{{WFW}}}commentRSS": _comment_rss,
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
    ATOM: _names("feed entry content author category contributor generator icon id link logo "
                 "published rights source subtitle summary title updated name uri email"),
    THR: _names("in-reply-to total"),
    # RFC 5023: the service document's elements, and those it puts in feeds and entries
    APP: _names("service workspace collection accept categories control draft edited"),
    FH: _names("complete archive"),
    AT: _names("deleted-entry by comment"),
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
    ITUNES: itunes.VOCABULARY,
    MEDIA: media.VOCABULARY,
}

# Elements a module places in the channel (feed) only, or in items (entries) only.
_CHANNEL_ONLY = frozenset(
    [f"{{{SY}}}{n}" for n in CLOSED[SY]]
    + [f"{{{ADMIN}}}{n}" for n in CLOSED[ADMIN]]
    + [f"{{{BLOGCHANNEL}}}{n}" for n in CLOSED[BLOGCHANNEL]]
    + [f"{{{FH}}}{n}" for n in CLOSED[FH]])
_ITEM_ONLY = frozenset(
    [f"{{{SLASH}}}{n}" for n in CLOSED[SLASH]]
    + [f"{{{WFW}}}{n}" for n in CLOSED[WFW]])
_CHANNEL_LEVEL = frozenset({"channel", "feed"})
_ITEM_LEVEL = frozenset({"item", "entry"})
_ITUNES_PREFIX = f"{{{ITUNES}}}"
_MEDIA_PREFIX = f"{{{MEDIA}}}"


def _misplaced(tag: str, where: str) -> str | None:
    """Why ``tag`` cannot be a child of ``where``, or None when it can."""
    if tag.startswith(_ITUNES_PREFIX):
        return itunes.misplaced(tag, where)
    if tag.startswith(_MEDIA_PREFIX):
        return media.misplaced(tag, where)
    if tag in _CHANNEL_ONLY and where in _ITEM_LEVEL:
        return f"belongs in the channel (feed), not <{where}>"
    if tag in _ITEM_ONLY and where in _CHANNEL_LEVEL:
        return f"belongs in an item (entry), not <{where}>"
    return None


def check_element(el: Any, tag: str, where: str, report: Report, *, rss: bool,
                  seen: set[str] | None = None) -> None:
    """Check one extension element found under ``where`` (channel, item, feed, entry...).

    ``seen`` is the caller's set of extension tags already met under the same parent,
    for the elements that may appear only once there.
    """
    if seen is not None and tag in ONCE:
        key = media.once_key(el, tag)
        if key in seen:
            error(report, "ext-element-duplicate", el, f"appears more than once in <{where}>")
        seen.add(key)
    namespace, _, local = tag[1:].partition("}")
    known = CLOSED.get(namespace)
    if known is None and namespace not in PREFIXES:
        _check_namespace(namespace, el, report)
    if known is not None and local not in known:
        report.error("ext-element-unknown", f"<{name_of(tag)}> is not defined by its namespace", el)
        return
    if namespace == media.WRONG_NAMESPACE:
        report.error("media-namespace-invalid",
                     f'Media RSS namespace must be "{MEDIA}" (with the final slash)', el)
        return
    reason = _misplaced(tag, where)
    if reason is not None:
        report.error("ext-element-misplaced", f"<{name_of(tag)}> {reason}", el)
    if el.attrib:
        drop_blank_attributes(el, report)
    if namespace == MEDIA:
        media.check_child(el, tag, report, rss)
        return
    check = CHECKS.get(tag)
    if check is not None:
        check(el, tag, where, report, rss)


# Well-known namespace URIs by their case-folded form without a final "/" or "#", to
# catch namespaces that differ only there (readers compare namespaces exactly).
_NEAR = {uri.lower().rstrip("/#"): uri for uri in PREFIXES}


def _check_namespace(namespace: str, el: Any, report: Report) -> None:
    """Warn, once per document, about an element in a namespace that differs from a
    well-known one only by case or a final slash or hash: readers will not treat it
    as that vocabulary."""
    if namespace in report.noted:
        return
    report.noted.add(namespace)
    known = _NEAR.get(namespace.lower().rstrip("/#"))
    if known is None or namespace == media.WRONG_NAMESPACE:
        return
    report.warning("ext-namespace-mismatch",
                   f'<{el.prefix or ""}{":" if el.prefix else ""}{el.tag.rpartition("}")[2]}> is in '
                   f'namespace "{short(namespace, 80)}", which differs from the {PREFIXES[known]} '
                   f'namespace "{known}" only in case or a final "/" or "#"; readers compare '
                   "namespaces exactly and will not read these elements as that vocabulary", el)
