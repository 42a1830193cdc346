"""Peak thread count of many concurrent ``plexlink.aio`` calls (Linux: reads /proc/self/task).

    python bindings/python/benches/aio_threads.py [--calls N] [--case connect|wait] [--executor N] [--json]

Each case runs in a fresh interpreter of this Python, against an emulator inside that
process: one ``plexlink.aio.AsyncClient``, then N concurrent ``connect`` calls (to the
account's first server) or N concurrent ``wait_for_token`` calls (N PINs, approved together
after half a second). A sampler thread counts the process's threads every millisecond; the
figures are the count just before the calls (baseline: the interpreter, the emulator, the
client, the sampler) and the peak while they ran, both including the sampler itself.

``--executor N`` gives the client ``executor=ThreadPoolExecutor(N)``. A face that runs calls
in a thread pool (as this one did before it ran on plexlink::AsyncClient) runs only as many
calls at once as its pool has threads (asyncio's default pool: min(32, CPUs + 4)), so compare
it with N = the number of calls; today's face ignores the pool.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

CASES = ("connect", "wait")


def thread_count() -> int:
    """This process's threads, native ones included."""
    return len(os.listdir("/proc/self/task"))


class Sampler:
    """A thread that records the highest thread count it sees until stopped."""

    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, thread_count())
            time.sleep(0.001)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def measure(case: str, calls: int, executor: int | None) -> dict[str, object]:
    """Runs ``calls`` concurrent calls of ``case`` here and returns the figures."""
    import plexlink
    from plexlink.aio import AsyncClient
    from plexlink.testing import Emulator

    with Emulator(pin_lifetime=60) as emu:
        token = emu.token_for("alice")
        assert token is not None
        pool = ThreadPoolExecutor(executor) if executor else None
        client = AsyncClient("plexlink-bench", "aio-threads", plex_url=emu.url, executor=pool)

        async def connects() -> list[object]:
            server = (await client.servers(token))[0]
            return await run(lambda: asyncio.gather(*(client.connect(server) for _ in range(calls))))

        async def waits() -> list[object]:
            pins = [await client.create_pin() for _ in range(calls)]

            def approve() -> None:
                for pin in pins:
                    emu.approve(pin, "alice")

            asyncio.get_running_loop().call_later(0.5, approve)
            return await run(lambda: asyncio.gather(*(client.wait_for_token(pin, interval=0.05) for pin in pins)))

        figures: dict[str, object] = {"case": case, "calls": calls, "executor": executor}

        async def run(calls_at_once: Callable[[], Awaitable[list[object]]]) -> list[object]:
            with Sampler() as sampler:
                await asyncio.sleep(0.05)
                figures["baseline"] = thread_count()
                started = time.monotonic()
                results = await calls_at_once()
                figures["seconds"] = round(time.monotonic() - started, 3)
            figures["peak"] = sampler.peak
            return results

        results = asyncio.run(connects() if case == "connect" else waits())
        if case == "connect":
            assert all(isinstance(r, plexlink.Connected) for r in results), results
        else:
            assert results == [token] * calls, results
    return figures


def in_child(case: str, calls: int, executor: int | None) -> dict[str, object]:
    """``measure`` in a fresh interpreter, so no case sees another's threads."""
    pool = ["--executor", str(executor)] if executor else []
    done = subprocess.run(
        [sys.executable, __file__, "--child", "--case", case, "--calls", str(calls), *pool],
        check=True,
        capture_output=True,
        text=True,
    )
    figures: dict[str, object] = json.loads(done.stdout)
    return figures


def main() -> int:
    """Measures and prints the figures."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--case", choices=CASES, action="append", help="default: every case")
    parser.add_argument("--executor", type=int, help="the client's executor= pool size (default: none)")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not os.path.isdir("/proc/self/task"):
        print("needs /proc/self/task (Linux)", file=sys.stderr)
        return 2
    cases = args.case or list(CASES)
    if args.child:
        print(json.dumps(measure(cases[0], args.calls, args.executor)))
        return 0
    for case in cases:
        figures = in_child(case, args.calls, args.executor)
        if args.json:
            print(json.dumps(figures))
        else:
            print(
                f"{figures['calls']} concurrent {case:<8} peak {figures['peak']:>4} threads "
                f"(baseline {figures['baseline']}), {figures['seconds']} s"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
