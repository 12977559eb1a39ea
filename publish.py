#!/usr/bin/env python3
"""Run feedpub from a checkout: ``python publish.py [build|close|reopen|validate|upload] ...``."""

from feedpub.cli import run

if __name__ == "__main__":
    run()
