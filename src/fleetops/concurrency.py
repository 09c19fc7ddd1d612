"""Run independent reads at the same time; a few threads are enough for I/O-bound calls."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

# GitHub asks for few concurrent requests from one client; 6 keeps well under its limits.
MAX_WORKERS = 6


def gather(tasks: Mapping[str, Callable[[], Any]], *, max_workers: int = MAX_WORKERS) -> dict[str, Any]:
    """Call every task concurrently and return their results by name.

    Every task runs to the end; then the first error (in the order given) is raised, so the
    error a user sees does not depend on timing.
    """
    if not tasks:
        return {}
    if len(tasks) == 1:
        name, task = next(iter(tasks.items()))
        return {name: task()}
    with ThreadPoolExecutor(max_workers=min(max_workers, len(tasks)), thread_name_prefix="fleetops") as pool:
        futures = {name: pool.submit(task) for name, task in tasks.items()}
        results: dict[str, Any] = {}
        first_error: BaseException | None = None
        for name, future in futures.items():
            try:
                results[name] = future.result()
            except BaseException as err:  # noqa: BLE001 - re-raised below
                first_error = first_error or err
        if first_error is not None:
            raise first_error
        return results
