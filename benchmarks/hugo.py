"""feedpub against Hugo on the same entries: cold build, one entry changed, no-op.

Usage: python benchmarks/hugo.py [--entries N] [--generator shared|own|both] [--runs R]
                                 [--scale N,N,...]

For each generator (``../shared/bench/gen_entries.py``, about 4 KB of Markdown an entry,
which is what the project's checks use, and our own ``synth.py``, about 1 KB) it writes N
entries, then times in the same run:

- feedpub: the whole ``publish.py build`` command, cold (no state, no feeds), after one
  entry changed, and with nothing changed (median of R runs each); with the default
  config (the three feeds and the HTML page) and with ``html = false`` (the three feeds
  alone, the same documents as Hugo's);
- Hugo (Debian's ``hugo``, if installed): a cold build of the same files into RSS,
  Atom and JSON Feed (``hugo --quiet``; Hugo has no incremental mode for a one-shot
  build, so its cold time is the reference for all three ratios, as in issue 17).

Peak memory is ``/usr/bin/time -f %M`` of the whole command (the largest process).
Targets (issue 17, 10 000 entries): cold ≤ 0.5× Hugo and ≤ 150 MiB, one change ≤ 0.1×
Hugo, no-op ≤ 0.02× Hugo.

``--scale 1000,10000,30000,100000`` adds, on the shared generator and the default
config (no item limit, no archive), one cold build per size: its time, its peak memory
(target: within 1 GiB at 100 000) and how it ended (exit code and first line of stderr:
a blog too big for one document must say so early, not fail after the whole build).
``--generator none`` runs only that table.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_GENERATOR = ROOT.parent / "shared" / "bench" / "gen_entries.py"
TARGETS = {"cold": 0.5, "one change": 0.1, "no-op": 0.02}
TARGET_MIB = 150

FEEDPUB_CONFIG = """title = "Benchmark live blog"
description = "Generated entries for benchmarks."
home_page_url = "https://bench.example.org/live/"
feeds_url = "https://bench.example.org/live/feeds/"
id_base = "tag:bench.example.org,2024-12-07:live/"
"""

HUGO_CONFIG = """baseURL = "https://bench.example.org/"
title = "Benchmark live blog"
disableKinds = ["taxonomy", "term", "sitemap", "robotsTXT", "404"]
[frontmatter]
date = ["published", ":default"]
publishDate = ["published", ":default"]
lastmod = ["updated", ":default"]
[services.rss]
limit = -1
[outputFormats.Atom]
mediaType = "application/atom+xml"
baseName = "atom"
[outputFormats.JSONFeed]
mediaType = "application/feed+json"
baseName = "feed"
isPlainText = true
[mediaTypes."application/atom+xml"]
suffixes = ["xml"]
[mediaTypes."application/feed+json"]
suffixes = ["json"]
[outputs]
home = ["RSS", "Atom", "JSONFeed"]
page = []
section = []
"""

# Every entry, newest first, with its full content: what feedpub's three feeds hold.
HUGO_TEMPLATES = {
    "index.rss.xml": """{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<rss version="2.0"><channel><title>{{ .Site.Title }}</title><link>{{ .Permalink }}</link>
<description>bench</description>
{{ range where .Site.RegularPages "Section" "live" }}<item><title>{{ .Title }}</title>
<link>{{ .Permalink }}</link><guid isPermaLink="false">{{ .Params.id }}</guid>
<pubDate>{{ .PublishDate.Format "Mon, 02 Jan 2006 15:04:05 -0700" }}</pubDate>
<description>{{ .Content | html }}</description></item>
{{ end }}</channel></rss>
""",
    "index.atom.xml": """{{ printf "<?xml version=\\"1.0\\" encoding=\\"utf-8\\"?>" | safeHTML }}
<feed xmlns="http://www.w3.org/2005/Atom"><title>{{ .Site.Title }}</title><id>{{ .Permalink }}</id>
<updated>{{ now.Format "2006-01-02T15:04:05Z07:00" }}</updated>
{{ range where .Site.RegularPages "Section" "live" }}<entry><title>{{ .Title }}</title>
<id>{{ .Params.id }}</id><link href="{{ .Permalink }}"/>
<published>{{ .PublishDate.Format "2006-01-02T15:04:05Z07:00" }}</published>
<updated>{{ .Lastmod.Format "2006-01-02T15:04:05Z07:00" }}</updated>
<content type="html">{{ .Content | html }}</content></entry>
{{ end }}</feed>
""",
    "index.jsonfeed.json": """{"version":"https://jsonfeed.org/version/1.1",
"title":{{ .Site.Title | jsonify }},"items":[
{{- range $i, $p := where .Site.RegularPages "Section" "live" -}}
{{ if $i }},{{ end }}{"id":{{ $p.Params.id | jsonify }},"url":{{ $p.Permalink | jsonify }},
"title":{{ $p.Title | jsonify }},"content_html":{{ $p.Content | jsonify }},
"date_published":{{ $p.PublishDate.Format "2006-01-02T15:04:05Z07:00" | jsonify }}}
{{- end }}]}
""",
}


def timed(command: list[str], cwd: Path) -> tuple[float, float]:
    """Wall seconds and peak MiB of ``command``, both as /usr/bin/time reports them."""
    seconds, mib, code, err = timed_outcome(command, cwd)
    if code != 0:
        sys.exit(f"{' '.join(command)} failed: {err[-2000:]}")
    return seconds, mib


def timed_outcome(command: list[str], cwd: Path) -> tuple[float, float, int, str]:
    """Wall seconds, peak MiB, exit code and stderr (without time's own line)."""
    done = subprocess.run(["/usr/bin/time", "-f", "%e %M", *command], cwd=cwd,
                          capture_output=True, text=True)
    *lines, last = done.stderr.strip().splitlines()
    seconds, kib = last.split()
    return float(seconds), int(kib) / 1024, done.returncode, "\n".join(lines)


def write_entries(kind: str, count: int, folder: Path) -> None:
    if kind == "shared":
        subprocess.run([sys.executable, str(SHARED_GENERATOR), str(count), str(folder),
                        "--seed", "1"], check=True, capture_output=True)
        return
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from synth import make_blog

    make_blog(folder.parent, count)


def change_one(entries: Path, round_: int) -> None:
    files = sorted(entries.glob("*.md"))
    path = files[(round_ * 7919) % len(files)]
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^title: (\"?)", rf"title: \g<1>Edited {round_} ", text, count=1),
                    encoding="utf-8")


def measure_feedpub(site: Path, runs: int) -> dict[str, tuple[float, float]]:
    command = [sys.executable, str(ROOT / "publish.py"), "build", "--config", str(site / "feedpub.toml")]
    colds = []
    for _ in range(runs):
        shutil.rmtree(site / ".feedpub", ignore_errors=True)
        shutil.rmtree(site / "feeds", ignore_errors=True)
        colds.append(timed(command, site))
    timed(command, site)  # settle: the first no-op may still find nothing to do
    noops = [timed(command, site) for _ in range(max(runs, 5))]
    changes = []
    for round_ in range(runs):
        change_one(site / "entries", round_)
        changes.append(timed(command, site))
    return {"cold": _median(colds), "one change": _median(changes), "no-op": _median(noops)}


def measure_hugo(entries: Path, work: Path, runs: int) -> tuple[float, float] | None:
    if shutil.which("hugo") is None:
        return None
    site = work / "hugo"
    (site / "layouts").mkdir(parents=True)
    (site / "config.toml").write_text(HUGO_CONFIG)
    for name, text in HUGO_TEMPLATES.items():
        (site / "layouts" / name).write_text(text)
    shutil.copytree(entries, site / "content" / "live")
    results = []
    for _ in range(runs):
        shutil.rmtree(site / "public", ignore_errors=True)
        shutil.rmtree(site / "resources", ignore_errors=True)
        results.append(timed(["hugo", "--quiet"], site))
    return _median(results)


def _median(samples: list[tuple[float, float]]) -> tuple[float, float]:
    return statistics.median(s for s, _ in samples), max(m for _, m in samples)


def report(kind: str, count: int, ours: dict[str, tuple[float, float]],
           hugo: tuple[float, float] | None, what: str) -> None:
    print(f"\n{kind} generator, {count} entries, {what}" + (
        f"; Hugo cold build {hugo[0]:.2f} s, {hugo[1]:.0f} MiB" if hugo else "; no hugo"))
    print(f"{'work':<12} {'feedpub s':>10} {'peak MiB':>9} {'× Hugo':>8} {'goal':>7}")
    for work, (seconds, mib) in ours.items():
        ratio = f"{seconds / hugo[0]:.3f}" if hugo else "-"
        goal = f"≤ {TARGETS[work]}"
        verdict = ""
        if hugo:
            verdict = "ok" if seconds / hugo[0] <= TARGETS[work] else "MISSED"
        if work == "cold" and mib > TARGET_MIB:
            verdict += f" (memory over {TARGET_MIB} MiB)"
        print(f"{work:<12} {seconds:>10.3f} {mib:>9.0f} {ratio:>8} {goal:>7} {verdict}")


def scale(sizes: list[int]) -> None:
    """One cold build per size on the shared generator: time, peak memory, outcome."""
    print("\nshared generator, default config, cold build of all the documents")
    print(f"{'entries':>8} {'cold s':>8} {'peak MiB':>9}  outcome")
    for count in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            site = Path(tmp) / "blog"
            write_entries("shared", count, site / "entries")
            (site / "feedpub.toml").write_text(FEEDPUB_CONFIG)
            command = [sys.executable, str(ROOT / "publish.py"), "build", "--config",
                       str(site / "feedpub.toml")]
            seconds, mib, code, err = timed_outcome(command, site)
            first = err.splitlines()[0] if err else ""
            outcome = "ok" if code == 0 else f"exit {code}: {first[:110]}"
            if code == 0:
                again, _, code_again, _ = timed_outcome(command, site)
                outcome += f"; next run {again:.2f} s (exit {code_again})"
            else:
                again, _, code_again, _ = timed_outcome(command, site)
                outcome += f"; the next run repeats it in {again:.2f} s (exit {code_again})"
            print(f"{count:>8} {seconds:>8.2f} {mib:>9.0f}  {outcome}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10000)
    parser.add_argument("--generator", choices=("shared", "own", "both", "none"), default="both")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scale", default="", metavar="N,N,...",
                        help="cold-build sizes for the time/memory/outcome table")
    args = parser.parse_args()
    kinds = {"both": ["shared", "own"], "none": []}.get(args.generator, [args.generator])
    for kind in kinds:
        if kind == "shared" and not SHARED_GENERATOR.exists():
            print(f"skipping the shared generator: {SHARED_GENERATOR} not found")
            continue
        with tempfile.TemporaryDirectory() as tmp:
            work = Path(tmp)
            site = work / "blog"
            write_entries(kind, args.entries, site / "entries")
            (site / "feedpub.toml").write_text(FEEDPUB_CONFIG)
            hugo = measure_hugo(site / "entries", work, args.runs)
            ours = measure_feedpub(site, args.runs)
            report(kind, args.entries, ours, hugo, "feeds and page (default config)")
            (site / "feedpub.toml").write_text(FEEDPUB_CONFIG + "html = false\n")
            ours = measure_feedpub(site, args.runs)
            report(kind, args.entries, ours, hugo, "the three feeds alone (html = false)")
            (site / "feedpub.toml").write_text(FEEDPUB_CONFIG)
    if args.scale:
        scale([int(n) for n in args.scale.split(",")])


if __name__ == "__main__":
    main()
