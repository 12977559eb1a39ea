"""``python -m feedpub`` is the same program as ``publish.py`` and the ``feedpub`` script."""

import sys

from feedpub.cli import main

sys.exit(main())
