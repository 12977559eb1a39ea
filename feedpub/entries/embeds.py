"""Embeds and media in an entry's body: what live blogs paste, in a form every reader shows.

Feed readers run no script and most drop iframes, so a pasted YouTube ``<iframe>`` or a
tweet's ``<blockquote>`` + ``<script>`` arrives as nothing, or as a bare quote. Instead
a body says *what* it embeds, and every format gets the same safe markup:

- a paragraph that is nothing but the address of a post or video on a known service
  (YouTube, Vimeo, X/Twitter, Bluesky, Mastodon, Instagram), or a fenced block::

      ```embed
      https://vimeo.com/76979871
      The moment the statue fell
      ```

  (any http(s) address; the lines after it are the caption) becomes
  ``<figure data-embed="youtube"><a href="URL">URL</a><figcaption>YouTube: caption
  </figcaption></figure>``. A web page showing the entry may turn that figure into a
  privacy-friendly player; the feeds never carry one.
- ``<video>`` and ``<audio>`` with a ``src`` (or a ``<source src>``) become a link to
  the file, and the file is returned as ``Media`` so the feeds can carry it as an
  enclosure when its type is known.

These rewrite cmark's HTML before the sanitizer sees it. cmark writes a paragraph and
a fenced block in one fixed form, so those two are found with a regular expression;
media elements come from raw HTML of any form and go through lxml's HTML parser. This
module imports nothing of feedpub: URLs are checked by the sanitizer's filter and by
``markdown`` afterwards, like every other URL of a body.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit


class EmbedProblem(ValueError):
    """An ``embed`` block that cannot be used; ``offset`` is where it starts in the body."""

    def __init__(self, message: str, offset: int | None):
        super().__init__(message)
        self.offset = offset


@dataclass(frozen=True, slots=True)
class Media:
    """A video or audio file a body links to; ``media_type`` None when it is not known."""

    url: str  # as written (the caller resolves and checks it)
    kind: str  # "video" or "audio"
    media_type: str | None


# (kind, shown name) by host; kinds are also the only values of data-embed nh3 lets through.
_HOSTS = {
    "youtube.com": ("youtube", "YouTube"), "www.youtube.com": ("youtube", "YouTube"),
    "m.youtube.com": ("youtube", "YouTube"), "youtu.be": ("youtube", "YouTube"),
    "www.youtube-nocookie.com": ("youtube", "YouTube"),
    "vimeo.com": ("vimeo", "Vimeo"), "www.vimeo.com": ("vimeo", "Vimeo"),
    "player.vimeo.com": ("vimeo", "Vimeo"),
    "x.com": ("x", "X"), "www.x.com": ("x", "X"), "twitter.com": ("x", "X"),
    "www.twitter.com": ("x", "X"), "mobile.twitter.com": ("x", "X"),
    "bsky.app": ("bluesky", "Bluesky"),
    "instagram.com": ("instagram", "Instagram"), "www.instagram.com": ("instagram", "Instagram"),
}
# The addresses of one post or video (not a channel, a profile or a home page).
_PATHS = {
    "youtube": re.compile(r"/(?:watch|playlist|(?:shorts|live|embed)/[\w-]+)/?"),
    "vimeo": re.compile(r"/(?:video/)?\d+(?:/\w+)?/?"),
    "x": re.compile(r"/\w{1,15}/status(?:es)?/\d+/?"),
    "bluesky": re.compile(r"/profile/[^/]+/post/\w+/?"),
    "instagram": re.compile(r"/(?:p|reel|tv)/[\w-]+/?"),
}
_SHORT_YOUTUBE = re.compile(r"/[\w-]{6,}")
_FEDIVERSE_STATUS = re.compile(r"/(?:@\w+(?:@[\w.-]+)?|users/\w+/statuses)/\d+/?")
KINDS = ("youtube", "vimeo", "x", "bluesky", "mastodon", "instagram", "link", "video", "audio")

# Media types by file extension: a fixed table, so the feeds are the same on every
# machine (``mimetypes`` reads the system's own list).
MEDIA_TYPES = {
    "mp4": "video/mp4", "m4v": "video/mp4", "webm": "video/webm", "ogv": "video/ogg",
    "mov": "video/quicktime", "mp3": "audio/mpeg", "m4a": "audio/mp4", "aac": "audio/aac",
    "oga": "audio/ogg", "ogg": "audio/ogg", "opus": "audio/ogg", "wav": "audio/wav",
    "flac": "audio/flac",
}

_LINK_PARAGRAPH = re.compile(r'^<p><a href="([^"]*)">([^<]*)</a></p>$', re.M)
_EMBED_BLOCK = re.compile(r'<pre><code class="language-embed">(.*?)</code></pre>', re.S)
_EMBED_FENCE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})[ \t]*embed\b", re.M)
_MEDIA_TAG = re.compile(r"<(?:video|audio)\b", re.I)


def provider(url: str) -> tuple[str, str] | None:
    """(kind, name) when ``url`` is one post or video on a service a live blog embeds."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if parts.scheme not in ("http", "https"):
        return None
    known = _HOSTS.get(host)
    if host == "youtu.be":  # the short form: the video's id is the whole path
        return known if _SHORT_YOUTUBE.fullmatch(parts.path) else None
    if known:
        path = parts.path.rstrip("/")
        needs = {"/watch": "v=", "/playlist": "list="}.get(path)
        ok = _PATHS[known[0]].fullmatch(parts.path) and (needs is None or needs in parts.query)
        return known if ok else None
    if _FEDIVERSE_STATUS.fullmatch(parts.path):
        return ("mastodon", "Mastodon")
    return None


def rewrite(markup: str, body: str) -> tuple[str, tuple[Media, ...]]:
    """cmark's HTML with embeds as figures and media elements as links; the media found."""
    if "<a href=" in markup:
        markup = _LINK_PARAGRAPH.sub(_paragraph, markup)
    if 'class="language-embed"' in markup:
        markup = _blocks(markup, body)
    if _MEDIA_TAG.search(markup):
        try:
            return _media(markup)
        except ValueError:  # lxml refuses a control character: the body's check reports it
            return markup, ()
    return markup, ()


def figure(url: str, kind: str, name: str, caption: str = "") -> str:
    """The one form of an embed in every format: a figure with a link and a caption."""
    href = html.escape(url, quote=True)
    text = f"{name}: {caption}" if caption else name
    return (f'<figure data-embed="{kind}"><a href="{href}">{html.escape(url)}</a>'
            f"<figcaption>{html.escape(text)}</figcaption></figure>")


def _paragraph(found: re.Match[str]) -> str:
    url, text = html.unescape(found[1]), html.unescape(found[2])
    if text not in (url, url.removeprefix("http://"), url.removeprefix("https://")):
        return found[0]  # a link with words of its own is a link, not an embed
    known = provider(url)
    return figure(url, *known) if known else found[0]


def _blocks(markup: str, body: str) -> str:
    fences = [m.start() for m in _EMBED_FENCE.finditer(body)]
    count = 0

    def block(found: re.Match[str]) -> str:
        nonlocal count
        offset = fences[count] if count < len(fences) else None
        count += 1
        lines = [line.strip() for line in html.unescape(found[1]).splitlines() if line.strip()]
        url = lines[0] if lines else ""
        if not url.lower().startswith(("https://", "http://")) or any(c.isspace() for c in url):
            shown = f'"{url[:60]}"' if url else "nothing"
            raise EmbedProblem(f"an embed block starts with the address of the post or video "
                               f"(https://…); found {shown}", offset)
        kind, name = provider(url) or ("link", urlsplit(url).hostname or "link")
        return figure(url, kind, name.removeprefix("www."), " ".join(lines[1:]))

    return _EMBED_BLOCK.sub(block, markup)


def _media(markup: str) -> tuple[str, tuple[Media, ...]]:
    """``<video>``/``<audio>`` elements replaced by a link to their file."""
    import lxml.html
    from lxml import etree

    root = lxml.html.fragment_fromstring(markup, create_parent="div")
    found: list[Media] = []
    for element in list(root.iter("video", "audio")):
        sources = [element, *element.iter("source")]
        src = next((s.get("src") for s in sources if (s.get("src") or "").strip()), None)
        if src is None:
            continue  # nothing to link to: the sanitizer removes it, and says so
        src = src.strip()
        declared = next((s.get("type") for s in sources if s.get("type")), None)
        found.append(Media(src, str(element.tag), _media_type(src, declared, str(element.tag))))
        link = lxml.html.Element("a", href=src)
        link.text = _file_name(src)
        replacement = link
        if element.getparent() is root:  # a block of its own: a figure, like an embed
            replacement = lxml.html.Element("figure", {"data-embed": str(element.tag)})
            replacement.append(link)
        replacement.tail = element.tail
        parent = element.getparent()
        if parent is not None:
            parent.replace(element, replacement)
    text = html.escape(root.text or "", quote=False)
    rest = "".join(etree.tostring(child, encoding="unicode", method="html") for child in root)
    return text + rest, tuple(found)


def _media_type(url: str, declared: str | None, kind: str) -> str | None:
    """The declared type when it is one of ``kind``'s, else the one its extension says."""
    if declared and re.fullmatch(r"(?:video|audio)/[\w.+-]+", declared.split(";")[0].strip()):
        return declared.split(";")[0].strip().lower()
    path = urlsplit(url).path
    extension = path.rsplit(".", 1)[1].lower() if "." in path.rsplit("/", 1)[-1] else ""
    guessed = MEDIA_TYPES.get(extension)
    return guessed if guessed and guessed.startswith(kind) else None


def _file_name(url: str) -> str:
    name = unquote(urlsplit(url).path.rstrip("/").rsplit("/", 1)[-1])
    return name or url
