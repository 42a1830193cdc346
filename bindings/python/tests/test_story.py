"""The whole story against the emulator: PIN, approval, token, account, servers, connection."""

from __future__ import annotations

import datetime

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL


def test_pin_login_to_a_connected_server(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    assert len(pin.code) == 4 and not pin.strong and not pin.authorized and pin.token is None
    assert pin.link_url == client.link_url == emu.url + "link"
    assert isinstance(pin.expires_at, datetime.datetime) and pin.expires_at.tzinfo is not None
    remaining = pin.expires_at - datetime.datetime.now(datetime.timezone.utc)
    assert datetime.timedelta(seconds=20) < remaining <= datetime.timedelta(seconds=31)

    # Approved by the person a little later, at the /link page with the short code.
    later(0.3, lambda: emu.approve_code(pin.code, "alice"))
    progress: list[plexlink.WaitProgress] = []
    token = client.wait_for_token(pin, interval=INTERVAL, on_progress=progress.append)
    assert token == emu.token_for("alice")
    assert progress and progress[-1].checks == len(progress)
    assert all(p.remaining is None or 0 < p.remaining <= 30 for p in progress)

    checked = client.check_pin(pin)
    assert checked.authorized and checked.token == token and checked.id == pin.id

    account = client.user(token)
    assert (account.username, account.email, account.title) == ("alice", "alice@example.com", "Alice")
    assert account.subscription is not None and account.subscription.active

    resources = client.resources(token)
    names = {r.name for r in resources}
    assert {"Living Room", "Friend's Server", "Alice's iPhone"} <= names
    servers = client.servers(token)
    assert {s.name for s in servers} == {"Living Room", "Friend's Server"}
    assert all(s.is_server and "server" in s.provides for s in servers)

    living = next(s for s in servers if s.name == "Living Room")
    assert living.owned and living.access_token
    assert len(living.connections) == 6
    for c in living.connections:
        assert c.uri.startswith("http://127.0.0.1:") and c.protocol == "http"
        assert c.address == "127.0.0.1" and c.port > 0 and not c.ipv6

    connected = client.connect(living)
    assert isinstance(connected, plexlink.Connection)
    assert connected.uri == emu.server_uri("Living Room", "local")
    assert connected.local and not connected.relay and connected.tier == "local"
    assert connected.resource.name == "Living Room"
    assert connected.access_token == living.access_token
    assert connected.advertised == next(c for c in living.connections if c.uri == connected.uri)
    results = {r.uri: r for r in connected.candidates}
    assert results[connected.uri].won and results[connected.uri].result == "won"
    # The refused candidate lost, but how depends on arrival order: "local" is of its class, so
    # the race is decided the moment "local" answers, before or after the refusal came in.
    dead_uri = emu.server_uri("Living Room", "local-dead")
    assert dead_uri is not None
    dead = results[dead_uri]
    assert not dead.won and dead.result in {"failed", "abandoned"}, dead
    assert dead.result == "abandoned" or dead.detail
    # The refusal itself, outside a race.
    with pytest.raises(plexlink.NetworkError) as refused:
        client.identity(dead_uri)
    assert refused.value.kind == "connect"
    assert [r.won for r in connected.candidates].count(True) == 1
    assert connected.elapsed < 2.0
    assert connected.candidates[0].tier == "local" and connected.candidates[-1].tier == "relay"

    # The owner's server token is an admin token: it gets a transient token.
    assert living.access_token is not None
    transient = client.transient_token(connected.uri, living.access_token)
    assert transient and transient != living.access_token
    identity = client.identity(connected.uri)
    assert identity.machine_identifier == living.client_identifier

    friend = next(s for s in servers if s.name == "Friend's Server")
    found = client.source_connection_info(connected.uri, living.access_token, friend.client_identifier)
    assert [r.client_identifier for r in found] == [friend.client_identifier]

    client.ping(token)
    client.sign_out(token)
    try:
        client.user(token)
    except plexlink.Unauthorized:
        pass
    else:
        raise AssertionError("a signed-out token still works")


def test_strong_pin_and_auth_url(emu: Emulator, client: plexlink.Client) -> None:
    pin = client.create_pin(strong=True)
    assert pin.strong and len(pin.code) > 4
    url = pin.auth_url(forward_url="https://example.com/back")
    assert pin.code in url and "forwardUrl=" in url
    assert url == client.auth_url(pin, forward_url="https://example.com/back")
    emu.approve(pin.id, "bob")
    assert client.wait_for_token(pin, interval=INTERVAL) == emu.token_for("bob")


def test_a_pin_is_resumed_by_id_and_code(emu: Emulator, client: plexlink.Client) -> None:
    pin = client.create_pin()
    # Another process (or a web request) that stored the id and code takes over.
    same = plexlink.Client("plexlink-tests", client.client_identifier, plex_url=emu.url)
    resumed = same.resume_pin(pin.id, pin.code)
    assert resumed.id == pin.id and not resumed.authorized
    emu.approve(pin, "carol")
    assert same.wait_for_token(resumed, interval=INTERVAL) == emu.token_for("carol")
    assert same.check_pin(pin.id).authorized


def test_one_pin_wait_uses_one_connection(emu: Emulator, client: plexlink.Client, later) -> None:
    pin = client.create_pin()
    emu.reset_counters()
    later(0.4, lambda: emu.approve(pin))
    client.wait_for_token(pin, interval=INTERVAL)
    plextv = emu.counters()["plextv"]
    assert plextv["requests"]["GET /api/v2/pins/{id}"] >= 3
    assert plextv["tcp_connections"] <= 1


def test_https_plex_direct_connections_with_the_emulators_authority(https_emu: Emulator) -> None:
    emu = https_emu
    token = emu.token_for("alice")
    assert token is not None
    trusted = plexlink.Client("plexlink-tests", "https-test", plex_url=emu.url, root_certificates=[emu.ca_pem])
    server = next(s for s in trusted.servers(token) if s.name == "Living Room")
    local = emu.server_uri("Living Room", "local")
    assert local is not None and local.startswith("https://127-0-0-1.") and local.endswith(
        tuple(f".plex.direct:{c.port}" for c in server.connections)
    )
    connected = trusted.connect(server)
    # The https connection wins; nothing resolved the name.
    assert connected.uri == local and connected.protocol == "https"
    assert trusted.transient_token(connected.uri, server.access_token or "")
    # Without the authority the certificate is refused, and after a TLS failure no
    # plain-http twin stands in (someone may be in the middle): no connection at all.
    untrusted = plexlink.Client("plexlink-tests", "https-untrusted", plex_url=emu.url)
    with pytest.raises(plexlink.NetworkError) as refused:
        untrusted.identity(local)
    assert refused.value.kind == "tls"
    with pytest.raises(plexlink.NoConnection):
        untrusted.connect(server)
