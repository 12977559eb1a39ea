"""``python -m feedpub`` is the same program as ``publish.py`` and the ``feedpub`` script."""

from feedpub.cli import run

run()
