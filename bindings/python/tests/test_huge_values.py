"""Numbers at the edges: huge means "no limit", never a crash; unusable means a ValueError.

Every duration (``timeout``, ``connect_timeout``, ``interval``, ``grace``, ``probe_timeout``,
the emulator's ``delay``) goes through one conversion: ``float('inf')``, a float past the
longest ``Duration`` or an int too large for a float is no limit; negative or NaN is a
``ValueError`` naming the argument. Byte counts (``max_response_bytes``, ``oversized``) are a
``ValueError`` below zero or past ``usize::MAX``, never an ``OverflowError``.

Before d5b5747 the Rust client overflowed on huge values: ``wait_for_token(timeout=1.8e19)``
added the timeout to ``Instant::now()`` and panicked on the wait thread (Python saw
``RuntimeError("the wait thread ended without a result")``), and
``max_response_bytes=usize::MAX`` read ``max + 1`` bytes, which wrapped to 0 in a release build
(every answer empty: ``ProtocolError``).
"""

from __future__ import annotations

import math
import sys

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL, new_client

# Just under Duration::MAX (u64::MAX seconds): a valid duration, far beyond any clock.
HUGE_SECONDS = 1.8e19
# usize::MAX where Python runs on a 64-bit platform.
HUGE_BYTES = sys.maxsize * 2 + 1
# Every way of saying "no limit": past Duration::MAX as a float, as infinity, as an int no float holds.
NO_LIMIT = [HUGE_SECONDS, 1e300, math.inf, 10**400]
UNUSABLE_SECONDS = [-1, -0.001, -math.inf, -(10**400), math.nan]


@pytest.mark.parametrize("no_limit", NO_LIMIT, ids=["1.8e19", "1e300", "inf", "10**400"])
def test_a_wait_without_limit_waits_until_approval(
    emu: Emulator, client: plexlink.Client, later, no_limit: float
) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.approve(pin, "alice"))
    assert client.wait_for_token(pin, timeout=no_limit, interval=INTERVAL) == emu.token_for("alice")


def test_a_wait_without_limit_still_ends_when_the_pin_expires(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    later(0.3, lambda: emu.expire(pin))
    with pytest.raises(plexlink.PinExpired):
        client.wait_for_token(pin, timeout=math.inf, interval=INTERVAL)


def test_an_endless_interval_still_checks_once(emu: Emulator, client: plexlink.Client) -> None:
    pin = client.create_pin()
    emu.approve(pin, "alice")
    assert client.wait_for_token(pin, interval=math.inf, timeout=5) == emu.token_for("alice")


def test_a_huge_response_cap_means_no_cap(emu: Emulator, alice: str) -> None:
    client = new_client(emu, max_response_bytes=HUGE_BYTES)
    assert client.user(alice).username == "alice"
    assert {s.name for s in client.servers(alice)} == {"Living Room", "Friend's Server"}


@pytest.mark.parametrize("no_limit", NO_LIMIT, ids=["1.8e19", "1e300", "inf", "10**400"])
def test_request_timeouts_and_race_windows_without_limit(emu: Emulator, alice: str, no_limit: float) -> None:
    client = new_client(emu, timeout=no_limit, connect_timeout=no_limit)
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    connected = client.connect(living, grace=no_limit, probe_timeout=no_limit)
    assert connected.uri == emu.server_uri("Living Room", "local")


@pytest.mark.parametrize("value", UNUSABLE_SECONDS, ids=["-1", "-0.001", "-inf", "-10**400", "nan"])
def test_negative_or_nan_seconds_are_a_value_error_naming_the_argument(
    emu: Emulator, client: plexlink.Client, alice: str, value: float
) -> None:
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    pin = client.create_pin()
    calls = {
        "timeout": lambda: new_client(emu, timeout=value),
        "connect_timeout": lambda: new_client(emu, connect_timeout=value),
        "jwt_nonce_lifetime": lambda: new_client(emu, jwt_nonce_lifetime=value),
        "interval": lambda: client.wait_for_token(pin, interval=value),
        "grace": lambda: client.connect(living, grace=value),
        "probe_timeout": lambda: client.connect(living, probe_timeout=value),
        "delay": lambda: emu.add_fault("/identity", delay=value),
    }
    for name, call in calls.items():
        with pytest.raises(ValueError, match=rf"^{name} must be a number of seconds, zero or more") as raised:
            call()
        assert type(raised.value) is ValueError
    with pytest.raises(ValueError, match=r"^timeout must be a number of seconds"):
        client.wait_for_token(pin, timeout=value)
    # Nothing was sent for a refused argument: the PIN was never checked.
    assert emu.counters()["plextv"]["requests"].get("GET /api/v2/pins/{id}", 0) == 0


def test_the_message_shows_the_value(emu: Emulator) -> None:
    with pytest.raises(ValueError, match=r"float\('inf'\) for no limit\), not -1\.5$"):
        new_client(emu, timeout=-1.5)
    with pytest.raises(ValueError, match=r"not nan$"):
        new_client(emu, timeout=math.nan)
    with pytest.raises(ValueError, match=r"not -inf$"):
        new_client(emu, timeout=-(10**400))


def test_zero_seconds_is_allowed_where_it_means_something(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    # No grace: the first good answer wins, whichever that is.
    assert client.connect(living, grace=0).uri in {c.uri for c in living.connections}
    with pytest.raises(ValueError, match="interval must be more than zero"):
        client.wait_for_token(client.create_pin(), interval=0)


@pytest.mark.parametrize("value", [-1, -(10**400), HUGE_BYTES + 1, 10**400], ids=["-1", "-10**400", "2**64", "10**400"])
def test_byte_counts_out_of_range_are_a_value_error(emu: Emulator, value: int) -> None:
    for name, call in {
        "max_response_bytes": lambda: new_client(emu, max_response_bytes=value),
        "oversized": lambda: emu.add_fault("/identity", oversized=value),
    }.items():
        with pytest.raises(ValueError, match=rf"^{name} must be a number of bytes") as raised:
            call()
        assert type(raised.value) is ValueError


def test_byte_counts_keep_their_other_errors(emu: Emulator) -> None:
    # Zero is a number of bytes, but plexlink refuses it: every answer would be refused.
    with pytest.raises(plexlink.InvalidArgument, match="max_response_bytes"):
        new_client(emu, max_response_bytes=0)
    with pytest.raises(TypeError):
        new_client(emu, max_response_bytes=1.5)
    with pytest.raises(TypeError):
        new_client(emu, timeout="5")


def test_a_nonce_lifetime_without_limit_still_signs_in(emu: Emulator, later) -> None:
    # The login signs a new device JWT before its nonce's life ends; a life past the longest
    # duration never ends, and must not overflow on the way.
    client = new_client(emu, jwt_nonce_lifetime=math.inf)
    pin = client.create_pin(jwt_key=plexlink.DeviceKey.generate())
    later(0.3, lambda: emu.approve(pin, "alice"))
    assert client.wait_for_jwt(pin, interval=INTERVAL, timeout=HUGE_SECONDS).claims.username == "alice"
