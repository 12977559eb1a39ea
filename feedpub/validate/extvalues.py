"""The value checks extension modules share: one attribute or one element's text against
a URL, a number, a pattern or a list, each reported under the ``ext-`` rules.

Every check has the same signature (:data:`Check`), so the modules can put them in
one dispatch table keyed by Clark-notation tag. ``rss`` tells a check whether the
document is RSS 2.0 (URLs must be ASCII) or Atom (IRIs allowed).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from feedpub.validate.common import XML, attribute_items, capped_int, name_of, short, text_of
from feedpub.validate.findings import Report
from feedpub.validate.urls import uri_problem

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (start-up time)
if TYPE_CHECKING:
    from typing import Any

    Check = Callable[[Any, str, str, Report, bool], None]

# [0-9], not \d: Python's \d also matches other scripts' digits ("٣", "３"), which the
# specifications' DIGIT (ASCII) does not, and readers do not parse.
INT = re.compile(r"[0-9]+")
# "\d+\.?\d*" without the dot split a run of digits between \d+ and \d* in every way
# when something followed it: 20,000 digits then "x" took 2 s. The dot now comes first.
FLOAT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")
# RFC 2326 normal play time: "now", seconds, or [h:]mm:ss, each with optional fraction.
NPT = re.compile(r"now|[0-9]+(?:\.[0-9]*)?|(?:[0-9]+:)?[0-5]?[0-9]:[0-5]?[0-9](?:\.[0-9]*)?")
_XML_PREFIX = f"{{{XML}}}"
# Attribute values where "" means something (a same-document reference, no language).
_BLANK_MEANINGFUL = frozenset({"href", "src", "ref"})


def error(report: Report, rule: str, el: Any, message: str) -> None:
    """An error about ``el``, its name in front: ``<media:content> width "x" is ...``."""
    report.error(rule, f"<{name_of(el.tag)}> {message}", el)


def value(el: Any) -> str:
    """The element's own text, stripped."""
    return (el.text or "").strip()


def drop_blank_attributes(el: Any, report: Report) -> None:
    """Blank attributes (width="") are read as absent, with a warning, as the W3C
    service does: real feeds write them for "unknown". A required one is then missing,
    which stays an error."""
    for name, text in attribute_items(el):
        if text.strip() or name.startswith(_XML_PREFIX) or name in _BLANK_MEANINGFUL:
            continue
        report.warning("ext-attribute-empty",
                       f'<{name_of(el.tag)}> {name_of(name)}="" is blank and read as absent', el)
        del el.attrib[name]


def url_text(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
    """The element's text is an absolute URL (IRI outside RSS)."""
    text = value(el)
    problem = uri_problem(text, iri=not rss, absolute=True) if text else "is empty"
    if problem:
        error(report, "ext-url-invalid", el, f'"{short(text)}" {problem}')


def url_attr(el: Any, name: str, report: Report, *, required: bool = False,
             absolute: bool = True) -> None:
    """An attribute that is a URL (absolute unless ``absolute`` is False)."""
    text = el.get(name)
    if text is None:
        if required:
            error(report, "ext-attribute-missing", el, f"has no {name} attribute")
        return
    problem = uri_problem(text, absolute=absolute)
    if problem:
        error(report, "ext-url-invalid", el, f'{name} "{short(text)}" {problem}')


def pattern_attr(el: Any, name: str, pattern: re.Pattern[str], what: str, report: Report,
                 rule: str = "ext-attribute-invalid") -> None:
    """An attribute whose whole value matches ``pattern`` (``what`` names it in the message)."""
    text = el.get(name)
    if text is not None and pattern.fullmatch(text) is None:
        error(report, rule, el, f'{name} "{short(text)}" is not {what}')


def enum_attr(el: Any, name: str, allowed: set[str] | frozenset[str], report: Report) -> None:
    """An attribute from a closed list (case matters, as in the specifications)."""
    text = el.get(name)
    if text is not None and text not in allowed:
        error(report, "ext-attribute-invalid", el,
              f'{name} "{short(text)}" is not one of {", ".join(sorted(allowed))}')


def positive_attr(el: Any, name: str, report: Report) -> None:
    """An attribute that is a whole number above zero."""
    text = el.get(name)
    if text is not None and (INT.fullmatch(text) is None or capped_int(text, 1) == 0):
        error(report, "ext-attribute-invalid", el, f'{name} "{short(text)}" is not a positive integer')


def text_pattern(pattern: re.Pattern[str], what: str, rule: str = "ext-value-invalid") -> Check:
    """A check that the element's text matches ``pattern``."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        text = el.text or ""
        if pattern.fullmatch(text) is None:
            error(report, rule, el, f'"{short(text)}" is not {what}')
    return check


def text_range(low: float, high: float, what: str) -> Check:
    """A check that the element's text is a decimal number from ``low`` to ``high``."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        text = value(el)
        if FLOAT.fullmatch(text) is None or not low <= float(text) <= high:
            error(report, "ext-value-invalid", el, f'"{short(text)}" is not {what}')
    return check


def text_max(limit: int) -> Check:
    """A check that the element's text is at most ``limit`` characters."""
    def check(el: Any, tag: str, where: str, report: Report, rss: bool) -> None:
        if len(text_of(el)) > limit:
            error(report, "ext-value-too-long", el, f"is longer than {limit} characters")
    return check
