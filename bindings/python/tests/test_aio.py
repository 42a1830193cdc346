"""The asyncio face: calls run concurrently on a few threads, the loop keeps running, cancellation
stops calls and waits."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import plexlink
from plexlink.aio import AsyncClient
from plexlink.testing import Emulator

from conftest import INTERVAL


def assert_pins_no_longer_polled(emu: Emulator) -> None:
    """The threads behind cancelled waits stopped polling (after polling at least once)."""
    time.sleep(0.3)
    before = emu.counters()["plextv"]["requests"].get("GET /api/v2/pins/{id}", 0)
    time.sleep(0.5)
    after = emu.counters()["plextv"]["requests"].get("GET /api/v2/pins/{id}", 0)
    assert before == after and before > 0


class LoopTicks:
    """Counts the event loop's 10 ms ticks while awaited work runs: a blocked loop counts none."""

    def __init__(self) -> None:
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(0.01)
            self.ticks += 1

    async def __aenter__(self) -> LoopTicks:
        self._task = asyncio.create_task(self._tick())
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await self._task


def test_calls_run_concurrently_without_blocking_the_loop(emu: Emulator, alice: str) -> None:
    client = AsyncClient("plexlink-tests", "aio-test", plex_url=emu.url)
    emu.add_fault("/api/v2/user", delay=0.5, times=4)

    async def main() -> tuple[list[plexlink.Account], float, int]:
        async with LoopTicks() as loop:
            started = time.monotonic()
            accounts = await asyncio.gather(*(client.user(alice) for _ in range(4)))
            elapsed = time.monotonic() - started
        return accounts, elapsed, loop.ticks

    accounts, elapsed, ticks = asyncio.run(main())
    assert [a.username for a in accounts] == ["alice"] * 4
    assert elapsed < 1.5, f"4 calls of 0.5 s took {elapsed:.2f} s: not concurrent"
    assert ticks >= 20, "the event loop was blocked"


def test_the_whole_story_in_asyncio(emu: Emulator) -> None:
    client = AsyncClient("plexlink-tests", "aio-story", plex_url=emu.url)

    async def main() -> str:
        pin = await client.create_pin()
        loop = asyncio.get_running_loop()
        loop.call_later(0.3, emu.approve, pin, "alice")
        seen: list[plexlink.WaitProgress] = []
        token = await client.wait_for_token(pin, interval=INTERVAL, on_progress=seen.append)
        assert seen, "on_progress was called in the loop"
        servers = await client.servers(token)
        connected = await asyncio.gather(*(client.connect(s) for s in servers))
        assert {c.resource.name for c in connected} == {"Living Room", "Friend's Server"}
        account = await client.user(token)
        return account.username

    assert asyncio.run(main()) == "alice"


def test_cancelling_the_task_cancels_the_wait(emu: Emulator) -> None:
    client = AsyncClient.wrap(plexlink.Client("plexlink-tests", "aio-cancel", plex_url=emu.url))

    async def main() -> None:
        pin = await client.create_pin()
        task = asyncio.create_task(client.wait_for_token(pin, interval=INTERVAL))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(main())
    assert_pins_no_longer_polled(emu)


def test_errors_and_timeouts_arrive_as_exceptions(emu: Emulator) -> None:
    client = AsyncClient("plexlink-tests", "aio-errors", plex_url=emu.url)

    async def main() -> None:
        with pytest.raises(plexlink.TwoFactorRequired):
            await client.sign_in("bob", "bob-password")
        pin = await client.create_pin()
        with pytest.raises(plexlink.Timeout):
            await client.wait_for_token(pin, timeout=0.2, interval=INTERVAL)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.wait_for_token(pin, interval=INTERVAL), 0.2)

    asyncio.run(main())


def test_cancelling_the_task_leaves_the_callers_cancel_alone(emu: Emulator) -> None:
    # The caller's handle may guard more than this wait: cancelling the task (or a wait_for
    # timeout) stops the wait without cancelling it, and it can still cancel a later wait.
    client = AsyncClient.wrap(plexlink.Client("plexlink-tests", "aio-own-cancel", plex_url=emu.url))
    mine = plexlink.Cancel()

    async def main() -> None:
        pin = await client.create_pin()
        task = asyncio.create_task(client.wait_for_token(pin, interval=INTERVAL, cancel=mine))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert not mine.cancelled, "cancelling the task cancelled the caller's Cancel"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(client.wait_for_token(pin, interval=INTERVAL, cancel=mine), 0.2)
        assert not mine.cancelled, "a wait_for timeout cancelled the caller's Cancel"
        # Still live: cancelling it cancels the next wait that uses it.
        loop = asyncio.get_running_loop()
        loop.call_later(0.2, mine.cancel)
        started = time.monotonic()
        with pytest.raises(plexlink.Cancelled):
            await client.wait_for_token(pin, cancel=mine)
        assert time.monotonic() - started < 0.2 + 0.5

    asyncio.run(main())
    assert_pins_no_longer_polled(emu)


def test_connect_all_in_asyncio(emu: Emulator, alice: str) -> None:
    client = AsyncClient("plexlink-tests", "aio-connect-all", plex_url=emu.url)
    emu.add_fault("/identity", delay=0.5)

    async def main() -> tuple[list[plexlink.Resource], list[plexlink.Connected | plexlink.PlexlinkError], int]:
        servers = await client.servers(alice)
        async with LoopTicks() as loop:
            results = await client.connect_all(s for s in servers)
        return servers, results, loop.ticks

    servers, results, ticks = asyncio.run(main())
    assert [r.resource for r in results if isinstance(r, plexlink.Connected)] == servers
    assert ticks >= 20, "the event loop was blocked"


def test_progress_is_reported_on_the_loops_thread_and_a_parent_cancel_stops_the_wait(emu: Emulator) -> None:
    client = AsyncClient("plexlink-tests", "aio-progress", plex_url=emu.url)
    parent = plexlink.Cancel()

    async def main() -> list[int]:
        pin = await client.create_pin()
        loop_thread = threading.get_ident()
        seen: list[int] = []

        def report(progress: plexlink.WaitProgress) -> None:
            assert threading.get_ident() == loop_thread
            seen.append(progress.checks)

        asyncio.get_running_loop().call_later(0.3, parent.cancel)
        started = time.monotonic()
        with pytest.raises(plexlink.Cancelled):
            await client.wait_for_token(pin, interval=INTERVAL, on_progress=report, cancel=parent.child())
        assert time.monotonic() - started < 0.3 + 0.5
        await asyncio.sleep(0.1)  # reports already on their way
        return seen

    seen = asyncio.run(main())
    assert seen and seen == sorted(seen), seen
    assert_pins_no_longer_polled(emu)


def test_cancelling_a_slow_call_is_prompt(emu: Emulator, alice: str) -> None:
    client = AsyncClient("plexlink-tests", "aio-cancel-call", plex_url=emu.url)
    emu.add_fault("/api/v2/user", delay=5.0, times=1)

    async def main() -> float:
        task = asyncio.create_task(client.user(alice))
        await asyncio.sleep(0.2)
        started = time.monotonic()
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return time.monotonic() - started

    assert asyncio.run(main()) < 0.5


BENCH = Path(__file__).resolve().parents[1] / "benches" / "aio_threads.py"


@pytest.mark.skipif(not BENCH.exists(), reason="run from a checkout of the repository")
@pytest.mark.skipif(not os.path.isdir("/proc/self/task"), reason="counts threads in /proc/self/task")
def test_fifty_concurrent_calls_use_a_few_threads() -> None:
    # A resource bound, not a timing: the calls are futures on one small runtime, not a thread
    # each (the thread-pool face, given a pool of 50, peaked at about 50 threads for 50
    # connects and 104 for 50 waits: a pool thread and a wait thread each).
    done = subprocess.run(
        [sys.executable, str(BENCH), "--calls", "50", "--json"], check=True, capture_output=True, text=True
    )
    figures = [json.loads(line) for line in done.stdout.splitlines()]
    assert [f["case"] for f in figures] == ["connect", "wait"]
    for f in figures:
        assert f["peak"] <= 40, f
