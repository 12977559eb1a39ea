"""Size thresholds where doing work in parallel starts to pay, with how they were chosen.

All of them were measured on the 2-core reference machine with ``benchmarks/build.py``
and ``benchmarks/cron.py`` (synthetic entries of about 1 KB of Markdown):

- Starting the forked parse pool costs about 40 ms (fork, pipes, pickling results
  back); parsing costs about 0.1 ms an entry, so two workers win only once there are
  well over a thousand entries to parse. At 1 000 changed entries serial parsing was
  still faster; at 2 000 the pool saved about 35 %.
- Rendering RSS and Atom in forked children overlaps them with the JSON render and
  keeps each feedgen tree (about 9 KiB an entry) out of the parent. Below about 2 000
  entries the fork and the pickled result cost more than the overlap saves.
- The HTML page shows the newest ``PAGE_UPDATES`` updates (the feeds keep every one).
  A page is for a person: 500 updates is more than a busy day of live coverage and
  about 1.5 MB of HTML that a phone still scrolls. Checking a page costs about 0.2 s
  a MB (html5lib is pure Python) and its tree about 8 MiB a MB: all 10 000 synthetic
  entries made a 29 MB page that took 9 s and 390 MiB to render and check, more than
  the three feeds together. From about 300 updates (0.15 s of checking) the page is
  rendered and checked in a forked child, beside the feeds; below that the fork costs
  about as much as the overlap saves.
- A progress bar is only worth drawing when parsing takes long enough to wonder
  (about 200 entries, a few tenths of a second) and stderr is a terminal.
"""

from __future__ import annotations

PARSE_IN_PARALLEL_AT = 1500  # changed entries to parse
RENDER_IN_CHILDREN_AT = 2000  # entries in the feed
PROGRESS_BAR_AT = 200  # changed entries to parse
PAGE_UPDATES = 500  # newest updates shown on the HTML page
PAGE_IN_CHILD_AT = 300  # updates on the page
RENDER_IN_WORKERS_AT = 300  # entries with items to render (a first build, new code)
WRITE_IN_CHILD_AT = 4 << 20  # bytes of a feed document: written in a child beside the others
MAX_WORKERS = 4  # never more parse workers than this, however many CPUs the machine has
