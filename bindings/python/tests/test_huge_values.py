"""Huge but valid numbers mean "no practical limit": never a crash, never a broken client.

AWAITING THE RUST FIX: the tests marked ``needs_rust_fix`` fail today, in ``plexlink`` (the
Rust client), not in the binding:
- ``wait_for_token(timeout=1.8e19)``: the wait adds the timeout to ``Instant::now()`` and
  panics on the overflow, on the wait thread, so Python sees ``RuntimeError("the wait thread
  ended without a result")`` (and a panic message on stderr);
- ``max_response_bytes=usize::MAX``: the transport reads ``max + 1`` bytes, which wraps to 0
  in a release build, so every answer is empty (``ProtocolError``), and panics in a debug build.
They are strict xfails: once the fix lands they pass, pytest reports XPASS(strict) as a failure,
and the marker must go.
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


def needs_rust_fix(*failures: type[BaseException]) -> pytest.MarkDecorator:
    """Expected to fail with ``failures`` until the overflow is fixed in the Rust client."""
    return pytest.mark.xfail(
        strict=True,
        raises=failures,
        reason="AWAITING THE RUST FIX (crates/plexlink): a huge value overflows; remove this marker when it lands",
    )


@needs_rust_fix(RuntimeError)
def test_a_huge_wait_timeout_waits_until_approval(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.approve(pin, "alice"))
    assert client.wait_for_token(pin, timeout=HUGE_SECONDS, interval=INTERVAL) == emu.token_for("alice")


@needs_rust_fix(RuntimeError)
def test_a_huge_wait_timeout_still_ends_when_the_pin_expires(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.expire(pin))
    with pytest.raises(plexlink.PinExpired):
        client.wait_for_token(pin, timeout=HUGE_SECONDS, interval=INTERVAL)


@needs_rust_fix(plexlink.ProtocolError)
def test_a_huge_response_cap_means_no_cap(emu: Emulator, alice: str) -> None:
    client = new_client(emu, max_response_bytes=HUGE_BYTES)
    assert client.user(alice).username == "alice"
    assert {s.name for s in client.servers(alice)} == {"Living Room", "Friend's Server"}


def test_other_huge_durations_already_mean_no_limit(emu: Emulator, alice: str) -> None:
    # Request timeouts and race windows: what the wait timeout must do too.
    client = new_client(emu, timeout=HUGE_SECONDS, connect_timeout=HUGE_SECONDS)
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    connected = client.connect(living, grace=HUGE_SECONDS, probe_timeout=HUGE_SECONDS)
    assert connected.uri == emu.server_uri("Living Room", "local")
