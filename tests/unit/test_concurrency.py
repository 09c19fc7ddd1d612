"""Reads in rounds: what waits for what, which error wins, and the work done while waiting."""

from __future__ import annotations

import threading
import time

import pytest

from fleetops import concurrency
from fleetops.concurrency import Reads, gather, meanwhile


@pytest.fixture(autouse=True)
def _empty_queue():
    concurrency.forget_meanwhile()
    yield
    concurrency.forget_meanwhile()


def test_a_read_awaited_later_does_not_hold_up_the_next_round():
    slow_may_end = threading.Event()
    order: list[str] = []

    def slow() -> str:
        assert slow_may_end.wait(5)
        order.append("slow")
        return "tag"

    with Reads() as pending:
        pending.start({"sha": lambda: "abc", "tag": slow})
        assert pending.results(["sha"]) == {"sha": "abc"}  # returns while "tag" is still out
        order.append("second round")
        pending.start({"file": lambda: "text"})
        assert pending.result("file") == "text"
        slow_may_end.set()
        assert pending.result("tag") == "tag"
    assert order == ["second round", "slow"]


def test_the_first_error_in_the_order_named_wins_whatever_ends_first():
    def late_failure() -> None:
        time.sleep(0.05)
        raise KeyError("named first, ends last")

    def early_failure() -> None:
        raise ValueError("named second, ends first")

    with pytest.raises(KeyError):
        gather({"a": late_failure, "b": early_failure})
    with Reads() as pending:
        pending.start({"a": late_failure, "b": early_failure})
        with pytest.raises(ValueError):
            pending.results(["b", "a"])


def test_leaving_the_block_waits_for_every_read_started():
    ended = threading.Event()

    def read() -> None:
        time.sleep(0.05)
        ended.set()

    with pytest.raises(RuntimeError):
        with Reads() as pending:
            pending.start({"never awaited": read})
            raise RuntimeError("a refusal before the read was awaited")
    assert ended.is_set()


def test_queued_work_is_done_once_by_the_main_thread_while_reads_are_out():
    done: list[tuple[str, bool]] = []
    reads_out = threading.Event()

    def read() -> str:
        reads_out.set()
        time.sleep(0.05)
        return "answer"

    def work() -> None:
        done.append((threading.current_thread().name, reads_out.wait(5)))

    meanwhile(work)
    assert gather({"a": read, "b": read}) == {"a": "answer", "b": "answer"}
    assert done == [(threading.main_thread().name, True)]
    gather({"a": read, "b": read})
    assert len(done) == 1  # once


def test_a_reader_threads_own_gather_leaves_the_queue_to_the_main_thread():
    done: list[str] = []
    worked = threading.Event()

    def work() -> None:
        done.append(threading.current_thread().name)
        worked.set()

    meanwhile(work)

    def nested() -> dict:
        return gather({"x": lambda: 1, "y": lambda: 2})

    # "other" stays out until the queued work ran, so the main thread always has a wait to work in,
    # however loaded the machine is (the answers coming in first would leave the work undone).
    result = gather({"outer": nested, "other": lambda: worked.wait(5)})
    assert result["outer"] == {"x": 1, "y": 2}
    assert done == [threading.main_thread().name]


def test_work_nobody_waited_for_is_forgotten_at_the_end_of_a_run():
    done: list[int] = []
    meanwhile(lambda: done.append(1))
    concurrency.forget_meanwhile()
    gather({"a": lambda: 1, "b": lambda: 2})
    assert done == []


def test_the_main_thread_stops_between_pieces_once_the_answers_are_in_and_goes_on_at_the_next_wait():
    answered = threading.Event()
    done: list[str] = []

    def first_piece() -> None:
        done.append("first")
        answered.set()
        time.sleep(0.3)  # a long piece: the reads' answers are in by its end

    def read() -> str:
        assert answered.wait(5)
        return "answer"

    meanwhile(first_piece, lambda: done.append("second"))
    gather({"a": read, "b": read})
    assert done == ["first"]  # the second piece did not hold up the answers
    gather({"a": lambda: time.sleep(0.05), "b": lambda: time.sleep(0.05)})
    assert done == ["first", "second"]
