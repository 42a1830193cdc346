"""Huge but valid numbers mean "no practical limit": never a crash, never a broken client.

Before d5b5747 the Rust client overflowed on both: ``wait_for_token(timeout=1.8e19)`` added the
timeout to ``Instant::now()`` and panicked on the wait thread (Python saw ``RuntimeError("the
wait thread ended without a result")``), and ``max_response_bytes=usize::MAX`` read ``max + 1``
bytes, which wrapped to 0 in a release build (every answer empty: ``ProtocolError``).
"""

from __future__ import annotations

import sys

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL, new_client

# Just under Duration::MAX (u64::MAX seconds): a valid duration, far beyond any clock.
HUGE_SECONDS = 1.8e19
# usize::MAX where Python runs on a 64-bit platform.
HUGE_BYTES = sys.maxsize * 2 + 1


def test_a_huge_wait_timeout_waits_until_approval(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.approve(pin, "alice"))
    assert client.wait_for_token(pin, timeout=HUGE_SECONDS, interval=INTERVAL) == emu.token_for("alice")


def test_a_huge_wait_timeout_still_ends_when_the_pin_expires(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.expire(pin))
    with pytest.raises(plexlink.PinExpired):
        client.wait_for_token(pin, timeout=HUGE_SECONDS, interval=INTERVAL)


def test_a_huge_response_cap_means_no_cap(emu: Emulator, alice: str) -> None:
    client = new_client(emu, max_response_bytes=HUGE_BYTES)
    assert client.user(alice).username == "alice"
    assert {s.name for s in client.servers(alice)} == {"Living Room", "Friend's Server"}


def test_huge_request_timeouts_and_race_windows_mean_no_limit_too(emu: Emulator, alice: str) -> None:
    client = new_client(emu, timeout=HUGE_SECONDS, connect_timeout=HUGE_SECONDS)
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    connected = client.connect(living, grace=HUGE_SECONDS, probe_timeout=HUGE_SECONDS)
    assert connected.uri == emu.server_uri("Living Room", "local")
