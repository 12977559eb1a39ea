"""The media folder (issue 14): images kept with the blog, published beside the feeds.

Copied byte for byte in the same set as the feeds, announced with their exact length
and type (RSS enclosure and media:content, Atom enclosure link, JSON attachment),
recorded so a changed or deleted copy is redone, removed when taken out of the
folder, and refused by name when they cannot be published as they are.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, Run, snapshot, state_document
from feedpub.errors import ExitCode

FEEDS_URL = "https://news.example.org/live/2024/12/07/syria-homs/feeds/"
ATOM = "{http://www.w3.org/2005/Atom}"
MEDIA = "{http://search.yahoo.com/mrss/}"
IMAGES = ("day-timeline.png", "homs-roads.png")


def test_the_sample_images_are_small_pngs_we_drew() -> None:
    for name in IMAGES:
        data = (ROOT / "media" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) < 10_000, name
        assert (ROOT / "feeds" / name).read_bytes() == data


def test_media_are_copied_and_announced_with_exact_length_and_type(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    sizes = {name: (blog / "media" / name).stat().st_size for name in IMAGES}
    for name in IMAGES:
        assert (blog / "feeds" / name).read_bytes() == (blog / "media" / name).read_bytes()
    rss = etree.fromstring((blog / "feeds" / "rss.xml").read_bytes())
    enclosures = {e.get("url"): (e.get("length"), e.get("type")) for e in rss.iter("enclosure")}
    media = {m.get("url"): (m.get("fileSize"), m.get("type"), m.get("medium"))
             for m in rss.iter(f"{MEDIA}content")}
    atom = etree.fromstring((blog / "feeds" / "atom.xml").read_bytes())
    links = {link.get("href"): (link.get("length"), link.get("type"))
             for link in atom.iter(f"{ATOM}link") if link.get("rel") == "enclosure"}
    items = json.loads((blog / "feeds" / "feed.json").read_bytes())["items"]
    attachments = {a["url"]: (a["size_in_bytes"], a["mime_type"])
                   for item in items for a in item.get("attachments", [])}
    images = {item["image"] for item in items if "image" in item}
    for name, size in sizes.items():
        url = FEEDS_URL + name
        assert enclosures[url] == links[url] == (str(size), "image/png")
        assert media[url] == (str(size), "image/png", "image")
        assert attachments[url] == (size, "image/png")
        assert url in images
    assert len(enclosures) == len(links) == len(attachments) == 2


def test_an_image_elsewhere_is_media_content_without_an_enclosure(blog: Path, run: Run) -> None:
    """RSS requires an enclosure's length: only files we publish ourselves get one."""
    entry = blog / "entries" / "0015-why-homs-matters.md"
    entry.write_text(entry.read_text().replace(f"image: {FEEDS_URL}homs-roads.png",
                                               "image: https://images.example.org/homs.jpg"))
    assert run(blog, "build").code == 0
    rss = etree.fromstring((blog / "feeds" / "rss.xml").read_bytes())
    remote = [m for m in rss.iter(f"{MEDIA}content") if "images.example.org" in m.get("url")]
    assert [(m.get("type"), m.get("fileSize")) for m in remote] == [(None, None)]
    assert [e.get("url") for e in rss.iter("enclosure")] == [FEEDS_URL + "day-timeline.png"]
    assert (blog / "feeds" / "homs-roads.png").exists()  # still published: it is in media/


def test_media_are_recorded_redone_and_removed(blog: Path, run: Run) -> None:
    assert run(blog, "build").code == 0
    outputs = state_document(blog / ".feedpub" / "state.json")["outputs"]
    assert set(IMAGES) <= set(outputs)
    (blog / "feeds" / "homs-roads.png").unlink()
    assert run(blog, "-v", "build").out == "wrote feeds/homs-roads.png\n"
    image = blog / "media" / "day-timeline.png"
    image.write_bytes(image.read_bytes() + b"\0")  # a new version, one byte longer
    assert run(blog, "-v", "build").out.splitlines() == [  # the page shows no length: unchanged
        "wrote feeds/rss.xml", "wrote feeds/atom.xml", "wrote feeds/feed.json",
        "wrote feeds/day-timeline.png"]
    size = str(image.stat().st_size)
    assert f'length="{size}"'.encode() in (blog / "feeds" / "rss.xml").read_bytes()
    (blog / "media" / "homs-roads.png").unlink()
    outcome = run(blog, "-v", "build")
    assert "removed feeds/homs-roads.png" in outcome.out
    assert not (blog / "feeds" / "homs-roads.png").exists()
    assert b"homs-roads.png\" length" not in (blog / "feeds" / "rss.xml").read_bytes()
    assert run(blog, "-v", "build").out == "nothing changed\n"


def test_files_beside_the_feeds_that_we_did_not_publish_are_left_alone(blog: Path, run: Run) -> None:
    (blog / "feeds").mkdir()
    (blog / "feeds" / "robots.txt").write_text("User-agent: *\n")
    assert run(blog, "build").code == 0
    (blog / "media" / "homs-roads.png").unlink()
    assert run(blog, "build").code == 0
    assert (blog / "feeds" / "robots.txt").read_text() == "User-agent: *\n"


@pytest.mark.parametrize(("name", "why"), [
    ("notes.txt", "is not a known media type; use one of .avif, .gif, .jpeg, .jpg, .png, .svg, "
                  ".webp"),
    ("my photo.png", "has a name a URL cannot carry as is; use only letters, digits, '-', '_' "
                     "and '.'"),
    ("rss.xml", "has the name of a file feedpub writes; rename it"),
    ("index.html", "has the name of a file feedpub writes; rename it"),
    # its staged copy's name would pass the file system's 255 bytes: exit 8 "permissions"
    ("p" * 246 + ".png", "has a name of 250 characters, more than the 200 a media file's may "
                         "have; shorten it"),
])
def test_a_file_that_cannot_be_published_is_named(blog: Path, run: Run, name: str, why: str) -> None:
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    (blog / "media" / name).write_text("x")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, f"media/{name}: {why}")
    assert snapshot(blog / "feeds") == before


def test_a_media_file_over_the_bound_is_named_and_never_read(blog: Path, run: Run,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A 3 GB file (a video renamed .png) was read whole, and copied, by every build."""
    from feedpub import media

    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    with (blog / "media" / "raw.png").open("wb") as sparse:
        sparse.truncate(media.MAX_MEDIA_BYTES + 1)  # takes no disk space
    read: list[str] = []
    real = media.read_media
    monkeypatch.setattr(media, "read_media", lambda folder, stamps: read.append("x") or
                        real(folder, stamps))
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.strip()) == (
        ExitCode.BAD_ENTRY, "media/raw.png: is 20.1 MiB, more than the 20 MiB a media file may "
        "be; publish a smaller copy (a picture for the web is rarely over 2 MiB)")
    assert read == [] and snapshot(blog / "feeds") == before


SVG = '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"{}>{}</svg>'
SCRIPTED = {
    "script": (SVG.format("", "<script>alert(1)</script>"), "has a <script> element"),
    "handler": (SVG.format(' onload="alert(1)"', ""), "has an event handler (onload on <svg>)"),
    "link": (SVG.format("", '<a xlink:href=" java\tscript:alert(1)"><text>x</text></a>'),
             "has a script URL (href on <a>)"),
    "animation": (SVG.format("", '<a><set attributeName="href" to="javascript:alert(1)"/></a>'),
                  "has a script URL (to on <set>)"),
    "html": (SVG.format("", "<foreignObject><p>x</p></foreignObject>"),
             "has a <foreignObject> element"),
    "style": (SVG.format("", "<style>rect { fill: url(javascript:alert(1)) }</style>"),
              "has a script URL in a style sheet"),
}
_ADVICE = "; an SVG opened on its own runs it in the site's origin: remove it, or publish the picture as PNG"


@pytest.mark.parametrize("kind", sorted(SCRIPTED))
def test_an_svg_that_could_run_a_script_is_refused(blog: Path, run: Run, kind: str) -> None:
    """Opened on its own (not through <img>), an SVG runs its scripts in the origin it is
    served from: the news site's. It was published as it was."""
    assert run(blog, "build").code == 0
    before = snapshot(blog / "feeds")
    text, why = SCRIPTED[kind]
    (blog / "media" / "map.svg").write_text(text)
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, f"media/map.svg: {why}{_ADVICE}")
    assert snapshot(blog / "feeds") == before


@pytest.mark.parametrize(("text", "why"), [
    ('<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY js "javascript:alert(1)">]>'
     + SVG.format("", '<a href="&js;"><text>x</text></a>'),
     "declares entities in a DOCTYPE; export it without them"),
    ('<?xml-stylesheet type="text/xsl" href="https://x.example/page.xsl"?>' + SVG.format("", ""),
     "names a style sheet (xml-stylesheet); export it without one"),
    ("<html><script>alert(1)</script></html>",
     "is not an SVG document (its root is not <svg>); export it again"),
])
def test_an_svg_that_could_hide_a_script_is_refused(blog: Path, run: Run, text: str,
                                                    why: str) -> None:
    (blog / "media" / "map.svg").write_text(text)
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err.strip()) == (ExitCode.BAD_ENTRY, f"media/map.svg: {why}")


def test_a_plain_svg_is_published_as_it_is(blog: Path, run: Run) -> None:
    """What drawing programs export: a DOCTYPE without entities, internal links, an
    embedded PNG, a style sheet, a title."""
    text = ('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
            '"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
            + SVG.format(' viewBox="0 0 10 10"',
                         "<title>Roads</title><style>.r { fill: #c00 }</style><defs><circle id='c' "
                         "r='2'/></defs><use xlink:href='#c' class='r'/><image href='data:image/png;"
                         "base64,iVBORw0KGgo=' width='1' height='1'/><a href='https://example.org/'>"
                         "<text>map</text></a>"))
    (blog / "media" / "roads.svg").write_text(text)
    assert run(blog, "build").code == 0
    assert (blog / "feeds" / "roads.svg").read_text() == text


def test_folders_and_links_out_of_the_media_folder_are_refused(blog: Path, run: Run) -> None:
    (blog / "media" / "sub").mkdir()
    secret = blog.parent / "secret.png"
    secret.write_bytes(b"\x89PNG secret")
    os.symlink(secret, blog / "media" / "leak.png")
    (blog / "media" / ".DS_Store").write_text("ignored")
    outcome = run(blog, "build")
    assert outcome.code == ExitCode.BAD_ENTRY
    assert outcome.err.splitlines() == [
        "media/leak.png: is a link to a file outside the media folder; copy the file in instead",
        "media/sub: is not a file; only files directly in the media folder are published"]
    assert not (blog / "feeds").exists()


def test_a_link_loop_in_the_media_folder_is_named(blog: Path, run: Run) -> None:
    """Path.resolve raised RuntimeError ("Symlink loop"): a traceback, exit 1."""
    os.symlink("loop.png", blog / "media" / "loop.png")
    outcome = run(blog, "build")
    assert (outcome.code, outcome.err) == (
        ExitCode.BAD_ENTRY, "media/loop.png: is a link that leads round in a loop; delete the link\n")
    assert not (blog / "feeds").exists()


def test_a_blog_without_a_media_folder_publishes_no_media(blog: Path, run: Run) -> None:
    for name in IMAGES:
        (blog / "media" / name).unlink()
    (blog / "media").rmdir()
    for entry in (blog / "entries").iterdir():
        entry.write_text(entry.read_text().replace(FEEDS_URL, "https://images.example.org/"))
    assert run(blog, "build").code == 0
    assert sorted(p.name for p in (blog / "feeds").iterdir()) == ["atom.xml", "feed.json",
                                                                 "index.html", "rss.xml"]
    assert b"<enclosure" not in (blog / "feeds" / "rss.xml").read_bytes()


def test_check_reports_what_a_build_would_refuse_in_the_media_folder(blog: Path, run: Run) -> None:
    """``check`` said all was well while the build it stands for stopped on a media file."""
    (blog / "media" / "notes.txt").write_text("x")
    outcome = run(blog, "check")
    assert (outcome.code, outcome.err.strip()) == (
        ExitCode.BAD_ENTRY, "media/notes.txt: is not a known media type; use one of .avif, .gif, "
                            ".jpeg, .jpg, .png, .svg, .webp")
    (blog / "media" / "notes.txt").unlink()
    (blog / "media" / "map.svg").write_text(SCRIPTED["script"][0])
    outcome = run(blog, "check")
    assert (outcome.code, outcome.err.strip()) == (
        ExitCode.BAD_ENTRY, f"media/map.svg: {SCRIPTED['script'][1]}{_ADVICE}")


def test_a_media_file_removed_while_the_build_reads_it_is_named_not_a_full_disk(
        tmp_path: Path) -> None:
    """Between the scan and the read (an editor's save, a sync client): exit 4 naming the
    file and that the next run reads it again, not exit 8's "check permissions and free
    space" (found by the robustness review)."""
    from feedpub.entries import FileStamp
    from feedpub.errors import EntryError
    from feedpub.media import read_media

    (tmp_path / "kept.png").write_bytes(b"png")
    with pytest.raises(EntryError) as raised:
        read_media(tmp_path, [FileStamp("kept.png", 3, 0), FileStamp("gone.png", 3, 0)],
                   "media")
    assert [str(p) for p in raised.value.problems] == [
        "media/gone.png: was removed while the build read it; the next run reads it again"]
    assert raised.value.exit_code == ExitCode.BAD_ENTRY
