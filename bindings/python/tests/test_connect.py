"""Choosing connections: the options of a race and of the client that decide where a token may go.

No test here reaches beyond 127.0.0.1: the carrier-grade NAT address (100.64.0.9) of these
tests is refused before anything is sent, or skipped before any probe.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import new_client

CGNAT = "http://100.64.0.9:32400"


def test_a_carrier_nat_address_gets_no_token_in_clear_by_default(emu: Emulator, alice: str) -> None:
    for client in (new_client(emu), new_client(emu, carrier_nat_is_private=False)):
        with pytest.raises(plexlink.InsecureTransport) as refused:
            client.transient_token(CGNAT, alice)
        assert "100.64.0.9" in str(refused.value) and alice not in str(refused.value)
        with pytest.raises(plexlink.InsecureTransport):
            client.source_connection_info(CGNAT, alice, "server://abc")
    # The address without a token is no secret: identity() may go there, so it is not called.


def shared_server_with_a_cgnat_connection(emu: Emulator, alice: str) -> None:
    """plex.tv (the emulator, through a fault that answers with this body) lists Friend's
    Server, shared with alice, with its working remote connection and one on 100.64.0.9."""
    friend = next(s for s in new_client(emu).servers(alice) if s.name == "Friend's Server")
    remote = emu.server_uri("Friend's Server", "remote")
    assert remote is not None

    def connection(uri: str) -> dict[str, object]:
        parts = urlsplit(uri)
        return {
            "protocol": parts.scheme,
            "address": parts.hostname,
            "port": parts.port,
            "uri": uri,
            "local": False,
            "relay": False,
            "IPv6": False,
        }

    device = {
        "name": friend.name,
        "product": friend.product,
        "provides": "server",
        "clientIdentifier": friend.client_identifier,
        "accessToken": friend.access_token,
        "owned": False,
        "publicAddressMatches": False,
        "httpsRequired": False,
        "connections": [connection(CGNAT), connection(remote)],
    }
    emu.add_fault("/api/v2/resources", status=200, body=json.dumps([device]))


@pytest.mark.parametrize(
    ("carrier_nat_is_private", "reason"),
    # Public by default: no plain http to it. Private when asked: then it is a LAN address of a
    # server this account does not own, which a friend's client never probes.
    [(False, "plaintext_to_public"), (True, "foreign_lan")],
)
def test_a_carrier_nat_connection_in_a_race(
    emu: Emulator, alice: str, carrier_nat_is_private: bool, reason: str
) -> None:
    shared_server_with_a_cgnat_connection(emu, alice)
    client = new_client(emu, carrier_nat_is_private=carrier_nat_is_private)
    [friend] = client.servers(alice)
    assert [c.uri for c in friend.connections][0] == CGNAT
    connected = client.connect(friend)
    assert connected.uri == emu.server_uri("Friend's Server", "remote")
    assert [(s.connection.uri, s.reason) for s in connected.skipped] == [(CGNAT, reason)]
    assert CGNAT not in [c.uri for c in connected.candidates]


def test_http_twins_are_opt_in_and_lose_to_a_working_https(https_emu: Emulator) -> None:
    emu = https_emu
    token = emu.token_for("alice")
    assert token is not None
    client = new_client(emu, root_certificates=[emu.ca_pem])
    living = next(s for s in client.servers(token) if s.name == "Living Room")
    local = emu.server_uri("Living Room", "local")

    plain = client.connect(living)
    assert plain.uri == local and plain.protocol == "https"
    assert not any(c.http_twin for c in plain.candidates)

    twinned = client.connect(living, http_twins=True)
    assert twinned.uri == local and twinned.protocol == "https"
    twins = [c for c in twinned.candidates if c.http_twin]
    assert twins, twinned.candidates
    for twin in twins:
        assert twin.uri.startswith("http://127.0.0.1:") and not twin.secure and not twin.won
        assert twin.connection.uri.startswith("https://")
    # The winner's twin answered, or was still out: it is used only when the https name does
    # not resolve, and here it resolved.
    [local_twin] = [t for t in twins if t.uri == f"http://127.0.0.1:{urlsplit(local).port}"]
    assert local_twin.result in {"failed", "abandoned"}, local_twin
    assert local_twin.result == "abandoned" or "twin" in (local_twin.detail or "")


def test_http_twins_never_stand_in_after_a_tls_failure(https_emu: Emulator) -> None:
    emu = https_emu
    token = emu.token_for("alice")
    assert token is not None
    untrusted = new_client(emu)
    living = next(s for s in untrusted.servers(token) if s.name == "Living Room")
    with pytest.raises(plexlink.NoConnection):
        untrusted.connect(living, http_twins=True, probe_timeout=2)


@pytest.fixture
def cabin_emu() -> Iterator[Emulator]:
    """The emulator with a third server of alice's, "Cabin", none of whose connections answers."""
    with Emulator() as plain:
        scenario = plain.scenario()
    living = next(s for s in scenario["servers"] if s["name"] == "Living Room")
    dead = {"name": "local", "behaviour": {"kind": "dead"}, "local": True, "relay": False, "address": "127.0.0.1", "https": False}
    cabin = dict(
        living,
        name="Cabin",
        client_identifier="c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00",
        access_token="cabin-owner-token-Qw3rTy8uIo",
        connections=[dead, dict(dead, name="remote", local=False)],
    )
    scenario["servers"].append(cabin)
    with Emulator(scenario=scenario) as emulator:
        yield emulator


def test_connect_all_races_every_server_at_once(cabin_emu: Emulator) -> None:
    emu = cabin_emu
    alice = emu.token_for("alice")
    assert alice is not None
    client = new_client(emu)
    servers = client.servers(alice)
    assert {s.name for s in servers} == {"Living Room", "Friend's Server", "Cabin"}
    # Every probe answers after 0.5 s: one server after the other would take 1 s at least.
    emu.add_fault("/identity", delay=0.5)
    started = time.monotonic()
    results = client.connect_all(servers)
    elapsed = time.monotonic() - started
    assert 0.5 <= elapsed < 0.95, f"{elapsed:.2f} s: the races did not run together"

    assert len(results) == len(servers)
    for server, result in zip(servers, results):
        if server.name == "Cabin":
            # The error connect() raises, returned in its place: one server out of reach does
            # not hide the others.
            assert isinstance(result, plexlink.NoConnection) and isinstance(result, plexlink.PlexlinkError)
            assert "Cabin" in str(result) and result.status is None
            # Why: every candidate was refused.
            assert [c.result for c in result.candidates] == ["failed", "failed"], result.candidates
            assert all("refused" in (c.detail or "") for c in result.candidates)
            assert list(result.skipped) == []
            with pytest.raises(plexlink.NoConnection):
                raise result
        else:
            assert isinstance(result, plexlink.Connected)
            assert result.resource is server
            assert 0.5 <= result.elapsed < 0.95
    by_name = {s.name: r for s, r in zip(servers, results)}
    living = by_name["Living Room"]
    assert isinstance(living, plexlink.Connected) and living.uri == emu.server_uri("Living Room", "local")
    assert living.tier == "local" and "tier='local'" in repr(living)
    friend = by_name["Friend's Server"]
    assert isinstance(friend, plexlink.Connected) and friend.uri == emu.server_uri("Friend's Server", "remote")
    # A friend's server: its LAN address is not probed from here, so the remote one won.
    assert friend.tier == "remote"
    assert [s.reason for s in friend.skipped] == ["foreign_lan"]
    assert friend.skipped[0].connection.uri == emu.server_uri("Friend's Server", "local")
    with pytest.raises(plexlink.NoConnection):
        client.connect(next(s for s in servers if s.name == "Cabin"))


def test_connect_all_takes_connects_options_and_any_iterable(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    servers = client.servers(alice)
    results = client.connect_all((s for s in servers), relay=False, grace=0, probe_timeout=2)
    assert [r.resource.name for r in results if isinstance(r, plexlink.Connected)] == [s.name for s in servers]
    for result in results:
        assert isinstance(result, plexlink.Connected) and not result.relay
    living = results[[s.name for s in servers].index("Living Room")]
    assert isinstance(living, plexlink.Connected)
    assert any(s.reason == "relay_disabled" for s in living.skipped)
    assert client.connect_all([]) == []


def test_connect_all_raises_only_for_unusable_arguments(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    servers = client.servers(alice)
    emu.reset_counters()
    with pytest.raises(ValueError, match="allow_http"):
        client.connect_all(servers, allow_http="sometimes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="^grace must be"):
        client.connect_all(servers, grace=-1)
    with pytest.raises(TypeError):
        client.connect_all(servers + ["Living Room"])  # type: ignore[operator]
    with pytest.raises(TypeError):
        client.connect_all(servers[0])  # type: ignore[arg-type]
    assert emu.counters()["pms"] == {} or all(
        not connection["requests"] for server in emu.counters()["pms"].values() for connection in server.values()
    )


def test_no_connection_tells_why(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    friend = next(s for s in client.servers(alice) if s.name == "Friend's Server")
    # Its one candidate (the remote connection) fails with a 500; its LAN one is skipped.
    emu.add_fault("/identity", status=500)
    with pytest.raises(plexlink.NoConnection) as raised:
        client.connect(friend, relay=False)
    error = raised.value
    assert [(c.uri, c.result, c.won) for c in error.candidates] == [
        (emu.server_uri("Friend's Server", "remote"), "failed", False)
    ]
    assert [s.reason for s in error.skipped] == ["foreign_lan"]
    # An exception made by hand has the class's empty defaults.
    assert plexlink.NoConnection("x").candidates == () and plexlink.NoConnection("x").skipped == ()
