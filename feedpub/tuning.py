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
- The HTML page shows the newest ``page_updates`` updates (the config's, 100 by
  default; the feeds keep every one). A page is for a person: 100 updates is a long
  day of live coverage and, at the shared generator's 4 KB an update, about 450 KB of
  HTML. Checking a page costs about 0.13 s a MB in html5lib (pure Python) and 0.03 s
  in our own rules; the earlier default of 500 updates made a 2.3 MB page whose
  render and check (0.45 s) was the longest part of a one-entry build at 10 000
  entries. After the first build the page is rendered by a standby child that loaded
  its libraries while the build read its entries (``render.page_standby``). In a first
  build, from about 150 000 characters of entry HTML on the page (0.03 s of checking)
  it is rendered and checked in a forked child, beside the feeds; below that the fork
  costs about as much as the overlap saves.
- A progress bar is only worth drawing when parsing takes long enough to wonder
  (about 200 entries, a few tenths of a second) and stderr is a terminal.
"""

from __future__ import annotations

PARSE_IN_PARALLEL_AT = 1500  # changed entries to parse
RENDER_IN_CHILDREN_AT = 2000  # entries in the feed
PROGRESS_BAR_AT = 200  # changed entries to parse
PAGE_IN_CHILD_AT = 150_000  # characters of entry HTML on the page
RENDER_IN_WORKERS_AT = 300  # entries with items to render (a first build, new code)
WRITE_IN_CHILD_AT = 4 << 20  # bytes of a feed document: written in a child beside the others
MAX_WORKERS = 4  # never more parse workers than this, however many CPUs the machine has
