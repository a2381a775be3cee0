"""The command pool: few calls run at once, a call waiting on the network steps aside, and
stopping runs what is queued."""

import threading
import time

from chat.ws.pool import Pool, blocking


def test_at_most_running_calls_run_at_once():
    pool = Pool(running=2, size=8)
    lock = threading.Lock()
    now, most, done = [0], [0], threading.Semaphore(0)

    def call():
        with lock:
            now[0] += 1
            most[0] = max(most[0], now[0])
        time.sleep(0.02)
        with lock:
            now[0] -= 1
        done.release()

    for _ in range(10):
        pool.submit(call)
    for _ in range(10):
        assert done.acquire(timeout=5)
    pool.stop()
    assert most[0] == 2


def test_a_call_waiting_in_blocking_lets_another_run():
    pool = Pool(running=1, size=2)
    other_ran = threading.Event()
    waited = []

    def waits_for_the_other():
        with blocking():
            waited.append(other_ran.wait(5))

    pool.submit(waits_for_the_other)
    pool.submit(other_ran.set)
    pool.stop()
    assert waited == [True]


def test_no_more_threads_than_size_even_when_all_are_blocking():
    pool = Pool(running=1, size=2)
    release = threading.Event()
    started = threading.Semaphore(0)

    def blocked():
        started.release()
        with blocking():
            release.wait(10)

    for _ in range(3):
        pool.submit(blocked)
    assert started.acquire(timeout=5) and started.acquire(timeout=5)
    assert not started.acquire(timeout=0.2)  # the third waits for a thread
    release.set()
    assert started.acquire(timeout=5)
    pool.stop()


def test_stop_runs_what_is_queued_in_order():
    pool = Pool(running=1, size=4)
    seen = []
    for number in range(20):
        pool.submit(lambda number=number: seen.append(number))
    pool.stop()
    assert seen == list(range(20))


def test_blocking_outside_a_pool_thread_changes_nothing():
    with blocking():
        pass
