"""Choosing connections: the options of a race and of the client that decide where a token may go.

No test here reaches beyond 127.0.0.1: the carrier-grade NAT address (100.64.0.9) of these
tests is refused before anything is sent, or skipped before any probe.
"""

from __future__ import annotations

import json
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
    local_port = urlsplit(local).port
    for twin in twins:
        assert twin.uri.startswith("http://127.0.0.1:") and not twin.secure and not twin.won
        # Used only when the https name does not resolve: here it resolved.
        assert twin.result in {"failed", "abandoned"}, twin
        assert twin.connection.uri.startswith("https://")
    assert f"http://127.0.0.1:{local_port}" in [t.uri for t in twins]


def test_http_twins_never_stand_in_after_a_tls_failure(https_emu: Emulator) -> None:
    emu = https_emu
    token = emu.token_for("alice")
    assert token is not None
    untrusted = new_client(emu)
    living = next(s for s in untrusted.servers(token) if s.name == "Living Room")
    with pytest.raises(plexlink.NoConnection):
        untrusted.connect(living, http_twins=True, probe_timeout=2)
