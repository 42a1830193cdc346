"""Every exception class, raised by a real scenario against the emulator."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL, new_client

Scenario = Callable[[Emulator, plexlink.Client, str], object]


def unauthorized(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    return client.user("not-a-token")


def two_factor_required(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    return client.sign_in("bob", "bob-password")


def invalid_verification_code(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    return client.sign_in("bob@example.com", "bob-password", "999999")


def ip_locked_out(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    for _ in range(10):
        try:
            client.sign_in("frank", "wrong")
        except plexlink.Unauthorized:
            continue
    return client.sign_in("frank", "frank-password")


def pin_expired(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    pin = client.create_pin()
    emu.expire(pin)
    return client.check_pin(pin)


def home_pin_required(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    carol = emu.token_for("carol")
    assert carol is not None
    erin = next(u for u in client.home_users(carol) if u.title == "Erin")
    return client.switch_home_user(carol, erin)


def rate_limited(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    emu.add_fault("/api/v2/resources", status=429, retry_after=7, times=1)
    return client.resources(alice)


def token_expired(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    emu.add_fault("/api/v2/user", status=498, times=1)
    return client.user(alice)


def device_removed(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    key = plexlink.DeviceKey.generate()
    client.upgrade_to_jwt(alice, key)
    emu.remove_jwt_device(client.client_identifier)
    return client.refresh_jwt(key)


def invalid_jwt(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    jwt = client.upgrade_to_jwt(alice, plexlink.DeviceKey.generate())
    return client.verify_jwt(jwt.token, plexlink.DeviceKey.generate())


def http_error(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    emu.add_fault("/api/v2/user", status=503, times=1)
    return client.user(alice)


def server_refused(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    # Friend's Server is shared with Alice: its token for her opens it, but a transient token is
    # for its owner only.
    friend = client.connect(next(s for s in client.servers(alice) if s.name == "Friend's Server"))
    assert friend.access_token is not None
    return client.transient_token(friend.uri, friend.access_token)


def protocol_error(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    emu.add_fault("/api/v2/resources", malformed_json=True, times=1)
    return client.resources(alice)


def invalid_argument(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    return plexlink.Client("", "")


def insecure_transport(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    # A public plain-http address: refused before anything is sent.
    public = plexlink.Client("plexlink-tests", "insecure-test", plex_url="http://203.0.113.7/")
    return public.user(alice)


def network_error(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    emu.add_fault("/api/v2/user", close=True, times=1)
    return client.user(alice)


def timeout(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    pin = client.create_pin()
    return client.wait_for_token(pin, timeout=0.3, interval=INTERVAL)


def cancelled(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    pin = client.create_pin()
    cancel = plexlink.Cancel()
    threading.Timer(0.2, cancel.cancel).start()
    return client.wait_for_token(pin, interval=INTERVAL, cancel=cancel)


def no_connection(emu: Emulator, client: plexlink.Client, alice: str) -> object:
    friend = next(s for s in client.servers(alice) if s.name == "Friend's Server")
    emu.add_fault("/identity", close=True)
    return client.connect(friend, probe_timeout=1.0)


SCENARIOS: dict[type[plexlink.PlexlinkError], Scenario] = {
    plexlink.Unauthorized: unauthorized,
    plexlink.TwoFactorRequired: two_factor_required,
    plexlink.InvalidVerificationCode: invalid_verification_code,
    plexlink.IpLockedOut: ip_locked_out,
    plexlink.PinExpired: pin_expired,
    plexlink.HomePinRequired: home_pin_required,
    plexlink.RateLimited: rate_limited,
    plexlink.TokenExpired: token_expired,
    plexlink.DeviceRemoved: device_removed,
    plexlink.InvalidJwt: invalid_jwt,
    plexlink.HttpError: http_error,
    plexlink.ServerRefused: server_refused,
    plexlink.ProtocolError: protocol_error,
    plexlink.InvalidArgument: invalid_argument,
    plexlink.InsecureTransport: insecure_transport,
    plexlink.NetworkError: network_error,
    plexlink.Timeout: timeout,
    plexlink.Cancelled: cancelled,
    plexlink.NoConnection: no_connection,
}


@pytest.mark.parametrize("error", list(SCENARIOS), ids=lambda e: e.__name__)
def test_each_error_comes_from_a_real_scenario(
    error: type[plexlink.PlexlinkError], emu: Emulator, client: plexlink.Client, alice: str
) -> None:
    with pytest.raises(error) as raised:
        SCENARIOS[error](emu, client, alice)
    assert type(raised.value) is error
    assert isinstance(raised.value, plexlink.PlexlinkError)
    assert raised.value.message and str(raised.value)
    assert alice not in str(raised.value) and alice not in raised.value.message


def test_the_table_covers_every_exported_error() -> None:
    exported = {
        getattr(plexlink, name)
        for name in plexlink.__all__
        if isinstance(getattr(plexlink, name), type) and issubclass(getattr(plexlink, name), plexlink.PlexlinkError)
    }
    assert exported - {plexlink.PlexlinkError} == set(SCENARIOS)
    for error in exported:
        assert error.__module__ == "plexlink" and error.__doc__


def test_errors_carry_what_the_server_said(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    with pytest.raises(plexlink.RateLimited) as limited:
        rate_limited(emu, client, alice)
    assert limited.value.retry_after == 7.0 and limited.value.status == 429
    emu.add_fault("/api/v2/user", status=400, body='{"errors":[{"code":1000,"message":"X-Plex-Client-Identifier is missing"}]}', times=1)
    with pytest.raises(plexlink.HttpError) as plex:
        client.user(alice)
    assert (plex.value.status, plex.value.code) == (400, 1000)
    assert plex.value.message == "X-Plex-Client-Identifier is missing"
    with pytest.raises(plexlink.Unauthorized) as bad:
        client.user("not-a-token")
    assert bad.value.message == "User could not be authenticated"
    with pytest.raises(plexlink.ServerRefused) as refused:
        server_refused(emu, client, alice)
    assert refused.value.status == 403 and not isinstance(refused.value, plexlink.Unauthorized)
    with pytest.raises(plexlink.NetworkError) as network:
        network_error(emu, client, alice)
    assert network.value.kind in {"other", "connect"}


def test_a_response_over_the_cap_is_refused(emu: Emulator, alice: str) -> None:
    client = new_client(emu, max_response_bytes=64 * 1024)
    emu.add_fault("/api/v2/resources", oversized=1024 * 1024, times=1)
    with pytest.raises(plexlink.ProtocolError, match="limit"):
        client.resources(alice)


def test_a_rate_limited_pin_wait_backs_off_and_still_succeeds(emu: Emulator, client: plexlink.Client) -> None:
    pin = client.create_pin()
    emu.add_fault("/api/v2/pins/", status=429, retry_after=1, times=2)
    emu.approve(pin)
    started = time.monotonic()
    assert client.wait_for_token(pin, interval=INTERVAL) == emu.token_for("alice")
    assert time.monotonic() - started >= 1.0  # Retry-After was honoured


def test_the_pin_expires_while_waiting(client: plexlink.Client) -> None:
    with Emulator(pin_lifetime=2) as short:
        shortlived = new_client(short)
        pin = shortlived.create_pin()
        started = time.monotonic()
        with pytest.raises(plexlink.PinExpired):
            shortlived.wait_for_token(pin, interval=INTERVAL)
        assert time.monotonic() - started < 5


def test_bad_arguments_are_value_errors(client: plexlink.Client) -> None:
    pin = client.create_pin()
    with pytest.raises(ValueError):
        client.wait_for_token(pin, interval=0)
    with pytest.raises(ValueError):
        client.wait_for_token(pin, timeout=-1)
    with pytest.raises(TypeError):
        client.check_pin("not a pin")  # type: ignore[arg-type]
