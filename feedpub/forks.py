"""Work in forked child processes that can always be stopped: Ctrl-C, errors, kills.

Forking (not spawning) lets a child inherit the imported parsers and the data it works
on for free. What multiprocessing's Pool does not give, and a cron job needs, is a
clean stop: with SIGINT sent to the whole process group, Pool workers die mid-write
and ``Pool.terminate`` can hang holding the blog's lock. Here children ignore SIGINT
(the parent alone decides), every child is SIGKILLed and reaped when the parent leaves
the ``with`` block early for any reason, and a child's exception comes back as text,
never as a traceback on the terminal. Children also drop the blog lock and die with
their parent (see ``feedpub.lock``).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection
from types import TracebackType
from typing import Any, Generic, TypeVar

T = TypeVar("T")
J = TypeVar("J")
_DONE = "done"
_ITEM = "item"
_FAILED = "failed"


class ChildFailed(Exception):
    """A child raised (the message is its exception, one line) or died without a word."""


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def cpu_count() -> int:
    """CPUs this process may run on (a container's or taskset's limit, not the host's)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


class Child(Generic[T]):
    """One forked process that runs ``produce()`` and sends back each item it yields."""

    def __init__(self, produce: Callable[[], Iterable[T]]):
        self._produce = produce
        self._process: multiprocessing.process.BaseProcess | None = None
        self._receive: Connection | None = None

    def start(self) -> None:
        """Fork the child. Call it on a Child its owner already holds (see Children.start).

        SIGINT stays blocked until the child ignores it (no traceback from a child) and
        until the parent has recorded the child: a Ctrl-C that is delivered the moment
        the mask is restored then finds a child ``stop`` can kill. Recorded any later,
        the child would run on unseen and hold the parent's exit (multiprocessing joins
        its children at exit) until it had parsed every file.
        """
        context = multiprocessing.get_context("fork")
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self._receive, send = context.Pipe(duplex=False)
            process = context.Process(target=_child_main, args=(send, self._produce, blocked))
            process.start()
            self._process = process
            send.close()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)

    def items(self) -> Iterator[T]:
        """What the child yields, in order; raises ChildFailed if it raised or died."""
        assert self._receive is not None, "start() the child first"
        while True:
            try:
                kind, value = self._receive.recv()
            except EOFError:
                raise ChildFailed("a worker process died") from None
            if kind == _DONE:
                return
            if kind == _FAILED:
                if isinstance(value, OSError):
                    raise value  # a full disk in a child is a full disk: exit 8, naming the file
                raise ChildFailed(value)
            yield value

    def result(self) -> T:
        """The single item of a child that yields one."""
        return next(iter(self.items()))

    def stop(self) -> None:
        """Kill (if still running) and reap; safe to call more than once, or before start."""
        if self._process is not None:
            if self._process.is_alive():
                self._process.kill()
            self._process.join()
        if self._receive is not None:
            self._receive.close()


def _child_main(send: Connection, produce: Callable[[], Iterable[Any]],
                mask: set[signal.Signals]) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    try:
        for item in produce():
            send.send((_ITEM, item))
        send.send((_DONE, None))
    except BaseException as error:  # reported to the parent, never printed here
        report = error if isinstance(error, OSError) else f"{type(error).__name__}: {error}"
        with contextlib.suppress(BaseException):
            send.send((_FAILED, report))
    finally:
        send.close()
        os._exit(0)  # skip multiprocessing's and atexit's clean-up: nothing to flush


class Children:
    """A group of children that are all stopped when the ``with`` block ends, however."""

    def __init__(self) -> None:
        self.members: list[Child[Any]] = []

    def start(self, produce: Callable[[], Iterable[T]]) -> Child[T]:
        child: Child[T] = Child(produce)
        self.members.append(child)  # first: a Ctrl-C during the fork still finds it
        child.start()
        return child

    def __enter__(self) -> Children:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        for child in self.members:
            child.stop()


class Standby(Generic[J, T]):
    """A child forked before its job is known, so that what the job needs first (imports,
    a compiled template) loads on the other core while the parent works the job out.

    ``prepare`` runs at once in the child (its errors are ignored: the job meets them
    again and reports them); ``submit`` sends the job (pickled) and ``result`` waits for
    ``work(job)``. A standby that is never given a job ends when the parent closes it or
    leaves the ``Children`` block, which stops it like any other child.
    """

    def __init__(self, children: Children, prepare: Callable[[], object],
                 work: Callable[[J], T]):
        receive, send = multiprocessing.get_context("fork").Pipe(duplex=False)
        self._send = send

        def produce() -> Iterator[T]:
            send.close()  # the parent's end: the child sees EOF once the parent closes it
            with contextlib.suppress(Exception):
                prepare()
            try:
                job = receive.recv()
            except EOFError:
                return
            yield work(job)

        self._child = children.start(produce)
        receive.close()

    def submit(self, job: J) -> None:
        self._send.send(job)
        self._send.close()

    def result(self) -> T:
        """What ``work`` returned; raises ChildFailed (or the child's OSError) if it failed."""
        return self._child.result()

    def close(self) -> None:
        """No job is coming: let the child end (safe after ``submit`` too)."""
        self._send.close()


def one(compute: Callable[[], T]) -> Callable[[], Iterable[T]]:
    """Adapt a function of one result to a child that yields it."""
    return lambda: (compute(),)
