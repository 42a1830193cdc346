"""Waiting, cancelling and sharing: Ctrl-C, Cancel from another thread, the GIL, 8 threads."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL, new_client


def wait_is_cancelled_promptly(client: plexlink.Client, waiting_with: plexlink.Cancel, by: plexlink.Cancel) -> None:
    """A wait with ``waiting_with`` raises Cancelled at once when another thread cancels ``by``."""
    pin = client.create_pin()
    timer = threading.Timer(0.3, by.cancel)
    timer.start()
    started = time.monotonic()
    with pytest.raises(plexlink.Cancelled):
        # The default 1 s interval: cancelling must not wait for the next check.
        client.wait_for_token(pin, cancel=waiting_with)
    assert time.monotonic() - started < 0.3 + 0.5
    timer.join()


def test_cancel_from_another_thread_is_prompt(client: plexlink.Client) -> None:
    cancel = plexlink.Cancel()
    assert not cancel.cancelled
    wait_is_cancelled_promptly(client, cancel, by=cancel)
    assert cancel.cancelled


def test_a_child_cancel_follows_its_parent_but_not_the_other_way(client: plexlink.Client) -> None:
    parent = plexlink.Cancel()
    child = parent.child()
    grandchild = child.child()
    child.cancel()
    assert child.cancelled and grandchild.cancelled
    assert not parent.cancelled and repr(parent) == "Cancel(cancelled=False)"
    # Cancelling the parent cancels a wait that uses a child made before or after.
    early = parent.child()
    wait_is_cancelled_promptly(client, early, by=parent)
    late = parent.child()
    assert early.cancelled and late.cancelled and repr(late) == "Cancel(cancelled=True)"


def test_a_callback_error_stops_the_wait(client: plexlink.Client) -> None:
    pin = client.create_pin()

    def fail(progress: plexlink.WaitProgress) -> None:
        raise LookupError(f"stop after {progress.checks} checks")

    with pytest.raises(LookupError, match="stop after 1 checks"):
        client.wait_for_token(pin, interval=INTERVAL, on_progress=fail)


CTRL_C_CHILD = textwrap.dedent(
    """
    import signal, sys, time
    import plexlink
    from plexlink.testing import Emulator

    # Python handles Ctrl-C only when SIGINT was not ignored when it started, and a test run in
    # the background of a non-interactive shell (a CI runner) has it ignored: the SIGINT was
    # lost and the wait went on. What is tested is plexlink's wait under Python's handler.
    signal.signal(signal.SIGINT, signal.default_int_handler)

    with Emulator() as emu:
        client = plexlink.Client("ctrl-c-test", "ctrl-c-test", plex_url=emu.url)
        pin = client.create_pin()
        try:
            # Inside the try: on a loaded machine the child may not reach the wait before the
            # parent's SIGINT arrives, and the KeyboardInterrupt must be caught here either way.
            print("waiting", flush=True)
            client.wait_for_token(pin)  # never approved
        except KeyboardInterrupt:
            # The wall clock, to compare with the parent's time of sending SIGINT.
            print("KeyboardInterrupt", time.time(), flush=True)
            sys.exit(3)
    print("the wait ended without KeyboardInterrupt", flush=True)
    """
)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT delivery differs on Windows")
def test_ctrl_c_interrupts_a_wait_within_a_second() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", CTRL_C_CHILD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline().strip() == "waiting"
        time.sleep(0.5)  # well inside the wait
        sent = time.time()
        child.send_signal(signal.SIGINT)
        out, err = child.communicate(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 3, (out, err)
    word, raised_at = out.split()
    assert word == "KeyboardInterrupt"
    elapsed = float(raised_at) - sent
    assert elapsed < 1.0, f"KeyboardInterrupt took {elapsed:.2f} s"


class Ticker:
    """A thread that runs Python bytecode and records the longest pause between its steps."""

    def __init__(self) -> None:
        self.longest = 0.0
        self.steps = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run)

    def _run(self) -> None:
        last = time.perf_counter()
        while not self._stop.is_set():
            sum(range(200))  # pure Python work: needs the GIL
            now = time.perf_counter()
            self.longest = max(self.longest, now - last)
            self.steps += 1
            last = now

    def __enter__(self) -> Ticker:
        self._thread.start()
        time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def test_the_gil_is_released_while_waiting(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(1.0, lambda: emu.approve(pin))
    with Ticker() as ticker:
        token = client.wait_for_token(pin, interval=INTERVAL)
    assert token == emu.token_for("alice")
    # Had the wait held the GIL, the ticker would have stopped for the whole second.
    assert ticker.steps > 1000
    assert ticker.longest < 0.5, f"Python stalled for {ticker.longest:.2f} s"


def test_the_gil_is_released_during_a_slow_request(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    emu.add_fault("/api/v2/user", delay=1.0, times=1)
    with Ticker() as ticker:
        started = time.monotonic()
        client.user(alice)
        assert time.monotonic() - started >= 1.0
    assert ticker.longest < 0.5, f"Python stalled for {ticker.longest:.2f} s"


def test_the_gil_is_released_while_servers_are_raced(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    servers = client.servers(alice)
    emu.add_fault("/identity", delay=0.8)
    with Ticker() as ticker:
        results = client.connect_all(servers)
    assert all(isinstance(r, plexlink.Connected) for r in results), results
    assert ticker.longest < 0.4, f"Python stalled for {ticker.longest:.2f} s"


def test_eight_threads_share_one_client(emu: Emulator, client: plexlink.Client) -> None:
    accounts = ["alice", "bob", "carol", "frank"] * 2
    barrier = threading.Barrier(len(accounts))
    results: dict[int, tuple[str, str, str]] = {}
    errors: list[BaseException] = []

    def login(index: int, account: str) -> None:
        try:
            barrier.wait(5)
            pin = client.create_pin()
            emu.approve(pin, account)
            token = client.wait_for_token(pin, interval=INTERVAL)
            user = client.user(token)
            servers = client.servers(token)
            uri = client.connect(servers[0]).uri if servers else ""
            results[index] = (token, user.username, uri)
        except BaseException as e:
            errors.append(e)

    threads = [threading.Thread(target=login, args=(i, a)) for i, a in enumerate(accounts)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert len(results) == len(accounts)
    for index, account in enumerate(accounts):
        token, username, uri = results[index]
        assert token == emu.token_for(account) and username == account
        if account != "bob":
            assert uri.startswith("http://127.0.0.1:")


def test_many_waits_at_once_each_get_their_own_token(emu: Emulator) -> None:
    client = new_client(emu)
    pins = [client.create_pin() for _ in range(8)]
    tokens: dict[int, str] = {}

    def wait(pin: plexlink.Pin) -> None:
        tokens[pin.id] = client.wait_for_token(pin, interval=INTERVAL)

    threads = [threading.Thread(target=wait, args=(p,)) for p in pins]
    for t in threads:
        t.start()
    for pin, account in zip(pins, ["alice", "bob"] * 4):
        emu.approve(pin, account)
    for t in threads:
        t.join(10)
    assert [tokens[p.id] for p in pins] == [emu.token_for(a) for a in ["alice", "bob"] * 4]


def sigpipe_blocked_by_thread() -> dict[int, tuple[str, bool]]:
    """Each thread of this process: its name, and whether it blocks SIGPIPE (Linux's /proc)."""
    seen: dict[int, tuple[str, bool]] = {}
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/comm") as comm, open(f"/proc/self/task/{tid}/status") as status:
                name = comm.read().strip()
                mask = next(int(line.split()[1], 16) for line in status if line.startswith("SigBlk:"))
        except (OSError, StopIteration):
            continue  # the thread ended meanwhile
        seen[int(tid)] = (name, bool(mask >> (signal.SIGPIPE - 1) & 1))
    return seen


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_io_threads_block_sigpipe_and_no_other(client: plexlink.Client, alice: str) -> None:
    # A script may set SIGPIPE back to its default (to end quietly in `| head`); then a server
    # that hangs up while plexlink writes to it would end the script, unless plexlink's own I/O
    # threads block the signal (the write fails instead).
    client.resources(alice)
    threads = sigpipe_blocked_by_thread()
    io = [blocked for name, blocked in threads.values() if name.startswith("plexlink-io")]
    assert io and all(io)
    assert not threads[threading.get_native_id()][1], "the program's own thread is left as it was"
