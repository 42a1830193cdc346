"""Shared fixtures: a fresh emulator per test and a client pointed at it."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

import plexlink
from plexlink.testing import Emulator

# Short checks keep the suite fast; the emulator answers on loopback in microseconds.
INTERVAL = 0.05


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A running emulator of the built-in scenario, stopped after the test."""
    with Emulator(pin_lifetime=30) as emulator:
        yield emulator


def new_client(emu: Emulator, **options: object) -> plexlink.Client:
    """A client with a fresh identifier (lockouts are per identifier) pointed at ``emu``."""
    return plexlink.Client("plexlink-tests", f"test-{uuid.uuid4()}", plex_url=emu.url, **options)  # type: ignore[arg-type]


@pytest.fixture
def https_emu() -> Iterator[Emulator]:
    """The emulator with every connection of Living Room on https (plex.direct names)."""
    with Emulator() as plain:
        scenario = plain.scenario()
    living = next(s for s in scenario["servers"] if s["name"] == "Living Room")
    for connection in living["connections"]:
        connection["https"] = True
    with Emulator(scenario=scenario) as emulator:
        yield emulator


@pytest.fixture
def client(emu: Emulator) -> plexlink.Client:
    """A client pointed at ``emu``."""
    return new_client(emu)


@pytest.fixture
def alice(emu: Emulator) -> str:
    """Alice's account token."""
    token = emu.token_for("alice")
    assert token is not None
    return token


class Later:
    """Runs ``action`` after ``delay`` seconds on a thread; ``join()`` re-raises its error."""

    def __init__(self, delay: float, action: Callable[[], object]) -> None:
        self.error: BaseException | None = None

        def run() -> None:
            time.sleep(delay)
            try:
                action()
            except BaseException as e:  # reported by join()
                self.error = e

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def join(self) -> None:
        self.thread.join(10)
        if self.error is not None:
            raise self.error


@pytest.fixture
def later() -> Iterator[Callable[[float, Callable[[], object]], Later]]:
    """``later(delay, action)``: runs an action on a thread; joined (and checked) at teardown."""
    started: list[Later] = []

    def start(delay: float, action: Callable[[], object]) -> Later:
        job = Later(delay, action)
        started.append(job)
        return job

    yield start
    for job in started:
        job.join()
