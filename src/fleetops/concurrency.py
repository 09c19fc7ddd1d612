"""Run independent reads at the same time; a few threads are enough for I/O-bound calls.

While the main thread waits for reads, it does the work queued with `meanwhile`: what the run
will need once the answers are in (importing the renderers that draw its plan, say). At 100 ms
per request that work costs the run no time; without latency it costs what it would have cost
after the reads.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

# GitHub asks for few concurrent requests from one client; 6 keeps well under its limits.
MAX_WORKERS = 6

_queued: list[Callable[[], object]] = []
_queue_lock = threading.Lock()
# Set when the run is interrupted (Ctrl-C): every retry's wait, on any thread, ends at once.
_stopping = threading.Event()


def pause(seconds: float) -> None:
    """A retry's wait (`Retry-After`, a rate limit's reset, backoff), on any thread: it ends at once,
    with KeyboardInterrupt, when the run is interrupted, so Ctrl-C never waits out a 40 s `Retry-After`."""
    if _stopping.is_set() or (seconds > 0 and _stopping.wait(seconds)):
        raise KeyboardInterrupt


def stop_waiting() -> None:
    """The run is interrupted: wake every `pause` (`Reads` calls it when Ctrl-C reaches the main thread)."""
    _stopping.set()


def start_run() -> None:
    """A new run (in the same process, as in the tests): retries may wait again."""
    _stopping.clear()


def meanwhile(*work: Callable[[], object]) -> None:
    """Queue work for the times the main thread waits on reads: each piece once, in order.

    Give it in small pieces (an import each): the main thread checks between pieces whether the
    answers it waits for are in, and leaves the rest for its next wait.
    """
    with _queue_lock:
        _queued.extend(work)


def forget_meanwhile() -> None:
    """Drop the work nobody waited long enough to do (the end of a run)."""
    with _queue_lock:
        _queued.clear()


def _work_for_this_thread() -> bool:
    """Queued work to do, and this is the main thread (a reader thread's own gather leaves it alone)."""
    return bool(_queued) and threading.current_thread() is threading.main_thread()


def _do_meanwhile(awaited: Iterable[Future[Any]]) -> None:
    if not _work_for_this_thread():
        return
    awaited = list(awaited)
    while not all(future.done() for future in awaited):
        with _queue_lock:
            if not _queued:
                return
            work = _queued.pop(0)
        work()


# How long the main thread blocks at a time while it waits for reads. Ctrl-C's signal may be
# delivered to a reader thread; the main thread sees it only once it wakes up, so it wakes up often.
WAKE_EVERY = 0.1


def _wait_all(futures: list[Future[Any]]) -> None:
    """Wait until every future is done, in short waits: Ctrl-C interrupts this wait within WAKE_EVERY."""
    pending = set(futures)
    while pending:
        _, pending = wait(pending, timeout=WAKE_EVERY)


class Reads:
    """Reads started now and awaited later, by name: a read that only a later check needs (say,
    Docker Hub's tag beside GitHub's chain) does not hold up the next round of the chain.

        with Reads() as reads:
            reads.start({"sha": ..., "tag": ...})
            sha = reads.results(["sha"])["sha"]  # the chain goes on; "tag" is still on its way
            reads.start({"file": ...})
            tag = reads.result("tag")

    Leaving the block waits for every read started (each runs to its end), unless the run was
    interrupted: then it waits for none, and their retries' waits end at once (`pause`).
    """

    def __init__(self, max_workers: int = MAX_WORKERS) -> None:
        self._pool = ThreadPoolExecutor(max_workers=max_workers, thread_name_prefix="fleetops")
        self._futures: dict[str, Future[Any]] = {}

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        if kind is not None and issubclass(kind, KeyboardInterrupt):  # Ctrl-C: leave the readers, wake their waits
            stop_waiting()
            self._pool.shutdown(wait=False, cancel_futures=True)
            return
        self._pool.shutdown(wait=True)

    def start(self, tasks: Mapping[str, Callable[[], Any]]) -> None:
        for name, task in tasks.items():
            self._futures[name] = self._pool.submit(task)

    def results(self, names: Iterable[str]) -> dict[str, Any]:
        """Wait for these reads; the first error in the order named is raised once all have ended,
        so the error a user sees does not depend on timing."""
        names = list(names)
        _do_meanwhile(self._futures[name] for name in names)
        _wait_all([self._futures[name] for name in names])
        results: dict[str, Any] = {}
        first_error: BaseException | None = None
        for name in names:
            try:
                results[name] = self._futures[name].result()
            except BaseException as err:  # noqa: BLE001 - re-raised below
                first_error = first_error or err
        if first_error is not None:
            raise first_error
        return results

    def result(self, name: str) -> Any:
        return self.results([name])[name]


def gather(tasks: Mapping[str, Callable[[], Any]], *, max_workers: int = MAX_WORKERS) -> dict[str, Any]:
    """Call every task concurrently and return their results by name.

    Every task runs to the end; then the first error (in the order given) is raised, so the
    error a user sees does not depend on timing.
    """
    if not tasks:
        return {}
    if len(tasks) == 1 and not _work_for_this_thread():
        name, task = next(iter(tasks.items()))
        return {name: task()}  # nothing to do meanwhile: no thread needed
    with Reads(max_workers=min(max_workers, len(tasks))) as reads:
        reads.start(tasks)
        return reads.results(tasks)
