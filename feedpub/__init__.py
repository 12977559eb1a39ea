"""feedpub: a live blog's folder of Markdown entries → validated RSS 2.0, Atom 1.0 and JSON Feed 1.1.

Quick start from Python::

    from pathlib import Path
    from feedpub.pipeline import build

    result = build(Path("feedpub.toml"))
    print(result.written)          # the feed files whose bytes changed

The command line (``publish.py`` / ``feedpub``) is a thin skin over ``feedpub.pipeline``.
"""

__version__ = "0.1.0"
