"""``python -m feedpub.validate FILE...``: the validator alone, without the rest of feedpub."""

import argparse
import sys

from feedpub.validate.command import add_arguments, run

parser = argparse.ArgumentParser(prog="python -m feedpub.validate")
add_arguments(parser)
sys.exit(run(parser.parse_args()))
