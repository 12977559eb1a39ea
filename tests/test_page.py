"""The HTML page (issue 14): feeds/index.html, built, checked and published with the feeds.

What a person landing on the feeds sees (title, banner, subscribe links, updates in
the blog's zone), what machines read (JSON-LD, alternate links), what can never get
in (scripts, handlers, ``javascript:``, style from an entry), and how the page lives
in the build: checked like a feed, rebuilt when deleted, off with ``html = false``,
replaceable by the user's own template.
"""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import html5lib
import pytest
from lxml import etree

from conftest import ROOT, Run, snapshot, state_document, synth
from feedpub.errors import ExitCode
from feedpub.pagecheck import check_page

GOLDEN = ROOT / "tests" / "golden"
FULL = ROOT / "tests" / "data" / "blogs" / "full"
CONTINUED = "https://news.example.org/live/2024/12/08/syria-continued"
FEEDS_URL = "https://news.example.org/live/2024/12/07/syria-homs/feeds/"
VAGUE = {"here", "click here", "read more", "more", "link", "this"}


def tree(data: bytes) -> etree._Element:
    """The page as a browser builds it; html5lib in strict mode raises on any parse error."""
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False,
                                 tree=html5lib.getTreeBuilder("lxml"))
    return parser.parse(data.decode("utf-8")).getroot()


def text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def page_of(site: Path) -> etree._Element:
    return tree((site / "feeds" / "index.html").read_bytes())


def json_ld(root: etree._Element) -> dict:
    [script] = root.findall(".//script")
    assert script.get("type") == "application/ld+json"
    return json.loads(script.text)


@pytest.fixture
def live(blog: Path, run: Run) -> Path:
    assert run(blog, "reopen").code == 0
    return blog


# --- the shipped sample's page ----------------------------------------------------


def test_the_sample_page_parses_as_html5_and_passes_every_check() -> None:
    data = (ROOT / "feeds" / "index.html").read_bytes()
    tree(data)  # strict: the first parse error would raise
    assert check_page(data, "index.html") == []  # no error and no warning


def test_one_language_one_h1_and_headings_in_order() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    assert root.get("lang") == "en"
    levels = [int(e.tag[1]) for e in root.iter() if isinstance(e.tag, str)
              and re.fullmatch(r"h[1-6]", e.tag)]
    assert levels.count(1) == 1 and levels[0] == 1
    assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), levels
    assert text(root.find(".//h1")) == "Syria live: rebels move into Homs"


def test_every_link_says_where_it_goes() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    links = root.findall(".//a")
    assert len(links) > 30
    for link in links:
        words = text(link) or " ".join(img.get("alt", "") for img in link.iter("img"))
        assert words and words.lower() not in VAGUE, etree.tostring(link)


def test_the_closed_sample_shows_the_banner_and_the_continued_coverage() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    banner = root.find(".//section[@aria-labelledby='status']")
    assert text(banner.find("h2")) == "This live blog is now closed"
    assert "Our minute-by-minute coverage of Saturday has ended." in text(banner)
    onward = banner.find(".//a")
    assert onward.get("href") == CONTINUED and text(onward) == "Read the continued coverage"
    closed_at = banner.find(".//time")
    assert closed_at.get("datetime") == "2024-12-07T22:45:00+00:00"
    assert text(closed_at) == "Saturday 7 December 2024 at 22:45 UTC"


def test_subscribe_links_show_their_addresses_and_are_discoverable() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    alternates = [(link.get("type"), link.get("href"), link.get("title"))
                  for link in root.findall(".//head/link[@rel='alternate']")]
    assert alternates == [
        ("application/rss+xml", "rss.xml", "Syria live: rebels move into Homs (RSS 2.0)"),
        ("application/atom+xml", "atom.xml", "Syria live: rebels move into Homs (Atom 1.0)"),
        ("application/feed+json", "feed.json", "Syria live: rebels move into Homs (JSON Feed 1.1)")]
    items = root.findall(".//ul[@class='feeds']/li")
    assert [(text(li.find("a")), li.find("a").get("href"), text(li.find("code"))) for li in items] == [
        ("RSS 2.0 feed", "rss.xml", FEEDS_URL + "rss.xml"),
        ("Atom 1.0 feed", "atom.xml", FEEDS_URL + "atom.xml"),
        ("JSON Feed 1.1 feed", "feed.json", FEEDS_URL + "feed.json")]


def test_every_update_newest_first_with_its_time_and_link() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    feed = json.loads((ROOT / "feeds" / "feed.json").read_bytes())
    articles = root.findall(".//article")
    entries = feed["items"][1:]  # the first item is the closing
    assert len(articles) == len(entries) == 22
    for article, item in zip(articles, entries, strict=True):
        heading = article.find("h3/a")
        assert text(heading) == item["title"] and heading.get("href") == item["url"]
        when = article.find(".//time")
        assert when.get("datetime").replace("+00:00", "Z") == item["date_published"]
        assert text(when) == item["date_published"][11:16] + " UTC"
        assert article.get("id") == item["url"].split("#")[1]


def test_the_sample_images_show_with_alt_text_from_beside_the_page() -> None:
    root = tree((ROOT / "feeds" / "index.html").read_bytes())
    images = {img.get("src"): img.get("alt") for img in root.iter("img")}
    assert set(images) == {"homs-roads.png", "day-timeline.png"}
    assert all(len(alt) > 40 for alt in images.values())
    assert all((ROOT / "feeds" / name).is_file() for name in images)


def test_json_ld_describes_the_live_blog() -> None:
    data = json_ld(tree((ROOT / "feeds" / "index.html").read_bytes()))
    assert data["@context"] == "https://schema.org" and data["@type"] == "LiveBlogPosting"
    assert data["url"] == "https://news.example.org/live/2024/12/07/syria-homs"
    assert data["coverageStartTime"] == "2024-12-07T07:00:00Z"
    assert data["coverageEndTime"] == "2024-12-07T22:45:00Z"
    updates = data["liveBlogUpdate"]
    assert len(updates) == 23 and updates[0]["url"] == CONTINUED
    assert all(u["@type"] == "BlogPosting" and u["headline"] and u["datePublished"]
               for u in updates)
    assert updates[1]["image"] == FEEDS_URL + "day-timeline.png"


def test_the_live_page_says_it_is_live(live: Path) -> None:
    root = page_of(live)
    banner = root.find(".//section[@aria-labelledby='status']")
    assert text(banner.find("h2")).startswith("Live")
    assert CONTINUED.encode() not in (live / "feeds" / "index.html").read_bytes()
    data = json_ld(root)
    assert "coverageEndTime" not in data and len(data["liveBlogUpdate"]) == 22
    assert check_page((live / "feeds" / "index.html").read_bytes(), "index.html") == []


def test_times_are_shown_in_the_blog_zone(tmp_path: Path, run: Run) -> None:
    site = tmp_path / "full"
    shutil.copytree(FULL, site)
    assert run(site, "build").code == 0
    root = page_of(site)
    assert root.get("lang") == "en-GB"
    times = [(t.get("datetime"), text(t)) for t in root.findall(".//article//time")]
    assert times[0] == ("2024-12-07T12:00:00+01:00", "12:00 CET")  # 11:00 UTC, Europe/Berlin
    french = root.find(".//article[@lang='fr']")
    assert french is not None and "Voici une" in text(french)


def test_page_goldens_live_and_closed(tmp_path: Path, run: Run, update_goldens: bool) -> None:
    """The full test blog's page, byte for byte (review the diff after an intended change)."""
    site = tmp_path / "full"
    shutil.copytree(FULL, site)
    for case, args in (("full-live", ("build",)),
                       ("full-closed", ("close", "--continued-at", "https://blog.example.org/live/full-2",
                                        "--at", "2024-12-07T12:30:00+00:00", "--message",
                                        "We moved to a new page & more."))):
        assert run(site, *args).code == 0
        golden = GOLDEN / case / "index.html"
        if update_goldens:
            shutil.copy(site / "feeds" / "index.html", golden)
        assert (site / "feeds" / "index.html").read_bytes() == golden.read_bytes(), case
        assert check_page(golden.read_bytes(), "index.html") == []


# --- nothing unsafe reaches the page or the feeds ----------------------------------

HOSTILE = """---
title: Hostile <b>title</b>
published: 2024-12-07T22:40:00+00:00
---
<script>alert('script')</script>

<img src="https://example.org/x.png" alt="pic" onerror="alert('onerror')">

A [markdown link](javascript:alert('link')) and <a href="JaVaScRiPt:alert('mixed')">mixed</a>
and <a href="&#106;avascript:alert('entity')">entity</a>.

<style>body { display: none }</style>

<div style="position: fixed; inset: 0">overlay</div>

<iframe src="https://evil.example.org/"></iframe>

<svg onload="alert('svg')"><circle r="1"/></svg>

<form action="https://evil.example.org/"><input name="q"></form>

# A heading the editor wrote as a top-level one
"""


def test_script_handlers_javascript_urls_and_style_never_reach_any_output(blog: Path,
                                                                         run: Run) -> None:
    (blog / "entries" / "0023-hostile.md").write_text(HOSTILE)
    (blog / "feedpub.toml").write_text((blog / "feedpub.toml").read_text()
                                       .replace("at = 2024-12-07T22:45", "at = 2024-12-07T22:50"))
    outcome = run(blog, "-v", "build")
    assert outcome.code == 0, outcome.err
    page = (blog / "feeds" / "index.html").read_bytes()
    for name in ("index.html", "rss.xml", "atom.xml", "feed.json"):
        data = (blog / "feeds" / name).read_bytes().lower()
        for needle in (b"alert(", b"onerror", b"onload", b"javascript:", b"position: fixed",
                       b"iframe", b"evil.example.org", b"&lt;style", b"<form"):
            assert needle not in data, (name, needle)
    assert page.count(b"<style") == 1 and page.count(b"<script") == 1  # ours: CSS, JSON-LD
    assert b"Hostile &lt;b&gt;title&lt;/b&gt;" in page  # the title is text, escaped
    assert b"<h4>A heading the editor wrote as a top-level one</h4>" in page
    assert check_page(page, "index.html") == []


def test_a_page_that_fails_its_check_is_not_published(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    (blog / "page.html.j2").write_text('<!DOCTYPE html>\n<html lang="en"><head><title>t</title>'
                                       "</head>\n<body><h1>{{ title }}</h1>\n"
                                       "<script>alert(1)</script></body></html>\n")
    (blog / "feedpub.toml").write_text('template = "page.html.j2"\n'
                                       + (blog / "feedpub.toml").read_text())
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.FEED_CHECK
    assert outcome.err.splitlines() == [
        "index.html:4:1: error page-script: a script element; the page carries no JavaScript "
        "(only the JSON-LD block in the head)",
        "the rendered files failed their check; the published files were kept"]
    assert snapshot(blog / "feeds") == before


@pytest.mark.parametrize(("page", "rule", "where"), [
    ("<!DOCTYPE html><html><head><title>t</title></head><body><h1>x</h1></body></html>",
     "page-lang", (1, 16)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1><h1>y</h1>'
     "</body></html>", "page-h1", (1, 77)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><p>x</p></body></html>',
     "page-h1", (1, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     '<p onclick="go()">x</p></body></html>', "page-handler", (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     '<a href=" java\tscript:go()">go to the page</a></body></html>', "page-unsafe-url", (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     "<style>p{}</style></body></html>", "page-style", (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     '<p style="color:red">x</p></body></html>', "page-style", (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     '<iframe src="https://example.org/"></iframe></body></html>', "page-embed", (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title>\n<link rel="stylesheet" '
     'href="https://cdn.example.org/x.css"></head><body><h1>x</h1></body></html>', "page-external",
     (2, 1)),
    ('<!DOCTYPE html><html lang="en"><head><title>t</title></head><body><h1>x</h1>\n'
     "<p>a</b></p></body></html>", "html-parse-error", (2, 9)),  # html5lib: just past the tag
    ('<html lang="en"><head><title>t</title></head><body><h1>x</h1></body></html>',
     "html-parse-error", (1, 17)),
])
def test_the_page_check_finds_what_must_not_be_published(page: str, rule: str,
                                                         where: tuple[int, int]) -> None:
    findings = [f for f in check_page(page.encode(), "index.html") if f.severity == "error"]
    assert [(f.rule, f.line, f.column) for f in findings] == [(rule, *where)]


@pytest.mark.parametrize(("body", "rule"), [
    ("<h1>x</h1><h3>skipped</h3>", "page-heading-order"),
    ('<h1>x</h1><a href="https://example.org/">here</a>', "page-link-text"),
    ('<h1>x</h1><a href="https://example.org/"> </a>', "page-link-text"),
    ('<h1>x</h1><img src="https://example.org/x.png">', "page-img-alt"),
])
def test_content_quality_is_a_warning(body: str, rule: str) -> None:
    page = f'<!DOCTYPE html><html lang="en"><head><title>t</title></head><body>{body}</body></html>'
    findings = check_page(page.encode(), "index.html")
    assert [(f.severity, f.rule) for f in findings] == [("warning", rule)]


# --- the page in the build --------------------------------------------------------


def test_the_page_shows_the_newest_updates_up_to_its_limit() -> None:
    from datetime import UTC, datetime, timedelta

    from feedpub.formats import FORMATS, render
    from feedpub.model import Entry, Feed, Page

    start = datetime(2024, 12, 7, 9, 0, tzinfo=UTC)
    entries = tuple(Entry(id=f"tag:example.org,2024:e{n}", title=f"Update {n}",
                          link=f"https://example.org/live#e{n}",
                          published=start + timedelta(minutes=n), updated=start + timedelta(minutes=n),
                          content_html=f"<p>Body {n}</p>") for n in range(5, 0, -1))
    feed = Feed(id="tag:example.org,2024:feed", title="T", description="D",
                home_page_url="https://example.org/live",
                self_urls={n: f"https://example.org/feeds/{f.filename}" for n, f in FORMATS.items()},
                updated=entries[0].updated, entries=entries,
                page=Page(zone=UTC, feeds_url="https://example.org/feeds/", started=start, limit=3))
    data = render("html", feed)
    root = tree(data)
    assert [text(a.find("h3")) for a in root.findall(".//article")] == ["Update 5", "Update 4",
                                                                        "Update 3"]
    assert "The newest 3 of 5 updates" in text(root.find(".//section[@aria-labelledby='updates']"))
    assert len(json_ld(root)["liveBlogUpdate"]) == 3
    assert json_ld(root)["coverageStartTime"] == "2024-12-07T09:00:00Z"  # the first, not shown
    assert check_page(data, "index.html") == []


def test_a_long_page_checked_in_a_child_is_the_same_page(tmp_path: Path, run: Run) -> None:
    """From PAGE_IN_CHILD_AT characters of entry HTML the page is rendered and checked in
    a forked child; page_updates says how many updates it shows."""
    from datetime import UTC, datetime

    from feedpub.config import load_config
    from feedpub.formats import render
    from feedpub.pipeline import current_feed
    from feedpub.render import _page_html
    from feedpub.tuning import PAGE_IN_CHILD_AT

    site = tmp_path / "long"
    synth.make_blog(site, 340)
    config = site / "feedpub.toml"
    config.write_text(config.read_text() + "page_updates = 320\n")
    assert run(site, "build").code == 0
    published = (site / "feeds" / "index.html").read_bytes()
    feed = current_feed(load_config(site / "feedpub.toml"), now=datetime.now(UTC))
    assert _page_html(feed) >= PAGE_IN_CHILD_AT  # so the build checked it in a child
    assert published == render("html", feed)  # rendered here, in this process
    assert len(tree(published).findall(".//article")) == 320


def _add_update(blog: Path, minute: int) -> None:
    (blog / "entries" / f"0099-late-{minute}.md").write_text(
        f"---\ntitle: A late update {minute}\npublished: 2024-12-07T13:{minute:02d}:30+00:00\n"
        f"---\nThe desk filed this {minute} minutes past one.\n", encoding="utf-8")


def _current_page(blog: Path) -> bytes:
    from datetime import UTC, datetime

    from feedpub.config import load_config
    from feedpub.formats import render
    from feedpub.pipeline import current_feed

    return render("html", current_feed(load_config(blog / "feedpub.toml"), now=datetime.now(UTC)))


def test_a_later_build_renders_the_page_in_its_standby_child(blog: Path, run: Run,
                                                             monkeypatch: pytest.MonkeyPatch,
                                                             tmp_path: Path) -> None:
    """After the first build, the page's libraries load in a child while the build loads
    its entries, and that child renders the page: the same page a whole render gives."""
    import os

    from feedpub import render as rendering

    renders = tmp_path / "renders"
    real = rendering._render_page

    def recorded(job: rendering.PageJob) -> rendering.Rendered:
        with renders.open("a") as log:
            log.write(f"{os.getpid()} {len(job[0].entries)}\n")
        return real(job)

    monkeypatch.setattr(rendering, "_render_page", recorded)
    config = blog / "feedpub.toml"
    config.write_text("page_updates = 5\n" + config.read_text())
    assert run(blog, "build").code == 0
    assert not renders.exists()  # a first build has both cores busy parsing: no standby
    _add_update(blog, 50)
    assert run(blog, "-v", "build").out.splitlines()[0] == "wrote feeds/index.html"
    pid, shown = renders.read_text().split()
    assert int(pid) != os.getpid()
    assert int(shown) == 5  # only what the page shows is sent (Page.total counts the rest)
    page = (blog / "feeds" / "index.html").read_bytes()
    assert page == _current_page(blog) and b"The newest 5 of 23 updates" in page
    assert run(blog, "-v", "build").out == "nothing changed\n"


def test_a_preview_build_renders_its_page_itself(blog: Path, run: Run, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """``serve`` rebuilds beside its server threads: no standby is forked for them."""
    from datetime import UTC, datetime

    from feedpub import render as rendering
    from feedpub.config import load_config
    from feedpub.pipeline import build

    def never(*args: object) -> rendering.Rendered:
        raise AssertionError("a preview build used a standby")

    assert run(blog, "build").code == 0
    monkeypatch.setattr(rendering, "_render_page", never)
    monkeypatch.setattr(rendering, "_collect_page", never)
    _add_update(blog, 52)
    result = build(load_config(blog / "feedpub.toml"), now=datetime.now(UTC), preview=True)
    assert "feeds/index.html" in result.written
    assert (blog / "feeds" / "index.html").read_bytes() == _current_page(blog)


@pytest.mark.parametrize("failure", ["raises", "dies", "unsendable"])
def test_a_standby_that_fails_leaves_the_page_to_the_build(blog: Path, run: Run, failure: str,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import os
    import pickle

    from feedpub import render as rendering
    from feedpub.forks import Standby

    def broken(job: rendering.PageJob) -> rendering.Rendered:
        raise RuntimeError("the standby broke")

    def dying(template: object) -> None:
        os._exit(3)

    def unsendable(self: object, job: object) -> None:
        raise pickle.PicklingError("a job that does not pickle")

    assert run(blog, "build").code == 0
    if failure == "raises":
        monkeypatch.setattr(rendering, "_render_page", broken)
    elif failure == "dies":
        monkeypatch.setattr(rendering, "_prepare_page", dying)
    else:
        monkeypatch.setattr(Standby, "submit", unsendable)
    _add_update(blog, 51)
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (0, "")
    assert (blog / "feeds" / "index.html").read_bytes() == _current_page(blog)


def test_the_page_is_recorded_and_rebuilt_when_deleted_or_edited(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    good = (blog / "feeds" / "index.html").read_bytes()
    outputs = state_document(blog / ".feedpub" / "state.json")["outputs"]
    assert set(outputs) == {"index.html", "rss.xml", "atom.xml", "feed.json", "homs-roads.png",
                            "day-timeline.png"}
    (blog / "feeds" / "index.html").unlink()
    assert run(blog, "-v", "build").out == "wrote feeds/index.html\n"
    assert (blog / "feeds" / "index.html").read_bytes() == good
    (blog / "feeds" / "index.html").write_text("defaced")
    assert run(blog, "build").code == 0
    assert (blog / "feeds" / "index.html").read_bytes() == good
    assert run(blog, "-v", "build").out == "nothing changed\n"


def test_html_false_writes_no_page_and_removes_the_old_one(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    assert (blog / "feeds" / "index.html").exists()
    config = blog / "feedpub.toml"
    config.write_text("html = false\n" + config.read_text())
    outcome = run(blog, "-v", "build")
    assert outcome.code == 0 and "removed feeds/index.html" in outcome.out
    assert not (blog / "feeds" / "index.html").exists()
    assert (blog / "feeds" / "rss.xml").exists()
    assert run(blog, "-v", "build").out == "nothing changed\n"


def test_a_user_template_is_used_and_watched(blog: Path, run: Run) -> None:
    template = blog / "page.html.j2"
    template.write_text('<!DOCTYPE html>\n<html lang="{{ language }}"><head><title>{{ title }}'
                        "</title></head>\n<body><h1>{{ title }}</h1>\n<ol>{% for u in updates %}"
                        '<li><a href="{{ u.link }}">{{ u.title }}</a></li>{% endfor %}</ol>\n'
                        "</body></html>\n")
    config = blog / "feedpub.toml"
    config.write_text('template = "page.html.j2"\n' + config.read_text())
    assert run(blog, "build").code == 0
    root = page_of(blog)
    assert len(root.findall(".//li")) == 22 and root.find(".//style") is None
    template.write_text(template.read_text().replace("<ol>", "<p>Our own page</p><ol>"))
    assert run(blog, "-v", "build").out == "wrote feeds/index.html\n"  # noticed without a flag
    assert b"Our own page" in (blog / "feeds" / "index.html").read_bytes()


@pytest.mark.parametrize(("source", "message"), [
    ("<!DOCTYPE html>\n<html>\n{% for x in %}\n", "page.html.j2:3:1: error page-template: "
     "Expected an expression, got 'end of statement block'"),
    ("<!DOCTYPE html>\n<html>\n\n{{ titel }}\n", "page.html.j2:4:1: error page-template: "
     "UndefinedError: 'titel' is undefined"),
])
def test_a_broken_template_names_its_line(blog: Path, run: Run, source: str, message: str) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    (blog / "page.html.j2").write_text(source)
    config = blog / "feedpub.toml"
    config.write_text('template = "page.html.j2"\n' + config.read_text())
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.FEED_CHECK
    assert outcome.err.splitlines()[0] == message
    assert snapshot(blog / "feeds") == before


def test_a_missing_template_is_a_config_error(blog: Path, run: Run) -> None:
    config = blog / "feedpub.toml"
    config.write_text('template = "nowhere.html.j2"\n' + config.read_text())
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.strip()) == (
        ExitCode.CONFIG, "feedpub.toml:1: template: nowhere.html.j2 not found; create it or "
        "remove the key to use the shipped page")


def test_a_noop_run_imports_no_page_library(blog: Path, run: Run) -> None:
    """The every-minute path stays free of Jinja2, MarkupSafe and html5lib."""
    assert run(blog, "build").code == 0
    code = ("import sys; from feedpub.cli import main; assert main(['build']) == 0; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jinja2', 'markupsafe', 'html5lib', 'lxml', 'feedgen')))")
    done = subprocess.run([sys.executable, "-c", code], cwd=blog, capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]", done.stdout


# --- discovery: the snippet for the live page's <head> ---------------------------


def test_snippet_prints_the_alternate_links(blog: Path, run: Run) -> None:
    outcome = run(blog, "snippet")
    assert outcome.code == 0 and outcome.err == ""
    assert outcome.out.splitlines() == [
        f'<link rel="alternate" type="application/rss+xml" title="Syria live: rebels move into '
        f'Homs (RSS 2.0)" href="{FEEDS_URL}rss.xml">',
        f'<link rel="alternate" type="application/atom+xml" title="Syria live: rebels move into '
        f'Homs (Atom 1.0)" href="{FEEDS_URL}atom.xml">',
        f'<link rel="alternate" type="application/feed+json" title="Syria live: rebels move into '
        f'Homs (JSON Feed 1.1)" href="{FEEDS_URL}feed.json">']
    assert not (blog / "feeds").exists()  # it only prints


def test_snippet_json_ld_is_the_pages_block(blog: Path, run: Run) -> None:
    outcome = run(blog, "snippet", "--json-ld")
    assert outcome.code == 0
    block = outcome.out.split("\n", 3)[3]
    assert block.startswith('<script type="application/ld+json">\n')
    assert block.endswith("\n</script>\n")
    printed = json.loads(block.split("\n", 1)[1].rsplit("\n</script>", 1)[0])
    assert printed == json_ld(tree((ROOT / "feeds" / "index.html").read_bytes()))
