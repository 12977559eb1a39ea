"""Size thresholds where doing work in parallel starts to pay, with how they were chosen.

All three were measured on the 2-core reference machine with ``benchmarks/build.py``
and ``benchmarks/cron.py`` (synthetic entries of about 1 KB of Markdown):

- Starting the forked parse pool costs about 40 ms (fork, pipes, pickling results
  back); parsing costs about 0.1 ms an entry, so two workers win only once there are
  well over a thousand entries to parse. At 1 000 changed entries serial parsing was
  still faster; at 2 000 the pool saved about 35 %.
- Rendering RSS and Atom in forked children overlaps them with the JSON render and
  keeps each feedgen tree (about 9 KiB an entry) out of the parent. Below about 2 000
  entries the fork and the pickled result cost more than the overlap saves.
- A progress bar is only worth drawing when parsing takes long enough to wonder
  (about 200 entries, a few tenths of a second) and stderr is a terminal.
"""

from __future__ import annotations

PARSE_IN_PARALLEL_AT = 1500  # changed entries to parse
RENDER_IN_CHILDREN_AT = 2000  # entries in the feed
PROGRESS_BAR_AT = 200  # changed entries to parse
MAX_WORKERS = 4  # never more parse workers than this, however many CPUs the machine has
