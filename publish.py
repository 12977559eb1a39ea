#!/usr/bin/env python3
"""Run feedpub from a checkout: ``python publish.py [build|close|reopen|validate|upload] ...``."""

import sys

from feedpub.cli import main

if __name__ == "__main__":
    sys.exit(main())
