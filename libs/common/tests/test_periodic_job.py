"""The background jobs' loop: repeats, outlives a failing round, stops when asked."""

from __future__ import annotations

import threading
import time

from authgate_common.periodic_job import PeriodicJob


def test_repeats_outlives_a_failure_and_stops() -> None:
    calls: list[float] = []
    third = threading.Event()

    def task() -> None:
        calls.append(time.monotonic())
        if len(calls) == 1:
            raise RuntimeError("the database is down")
        if len(calls) == 3:
            third.set()

    job = PeriodicJob("test-job", task, 0.02, first_delay_seconds=0).start()
    assert third.wait(5), calls
    job.stop(wait_seconds=5)
    assert job.stopping
    done = len(calls)
    time.sleep(0.1)
    assert len(calls) == done  # nothing runs after stop


def test_stop_with_a_wait_lets_the_round_in_progress_finish() -> None:
    started, finished = threading.Event(), threading.Event()

    def slow() -> None:
        started.set()
        time.sleep(0.2)
        finished.set()

    job = PeriodicJob("slow-job", slow, 60, first_delay_seconds=0).start()
    assert started.wait(5)
    job.stop(wait_seconds=5)
    assert finished.is_set()


def test_a_wake_runs_the_next_round_at_once() -> None:
    calls: list[float] = []
    ran = threading.Event()

    def task() -> None:
        calls.append(time.monotonic())
        ran.set()

    job = PeriodicJob("woken-job", task, 60, first_delay_seconds=0).start()
    assert ran.wait(5)
    ran.clear()
    job.wake()
    assert ran.wait(5) and len(calls) == 2
    job.stop(wait_seconds=5)


def test_a_failing_round_pauses_even_when_woken() -> None:
    calls: list[float] = []

    def failing() -> None:
        calls.append(time.monotonic())
        raise RuntimeError("the database is down")

    job = PeriodicJob("failing-job", failing, 0.01, first_delay_seconds=0,
                      pause_after_failure_seconds=0.3).start()
    deadline = time.monotonic() + 5
    while len(calls) < 2 and time.monotonic() < deadline:
        job.wake()
        time.sleep(0.01)
    job.stop(wait_seconds=5)
    assert len(calls) >= 2 and calls[1] - calls[0] >= 0.3
