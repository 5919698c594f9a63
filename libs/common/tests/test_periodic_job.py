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
