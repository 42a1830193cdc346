"""The shape of the API: reprs that hide secrets, docstrings, frozen values, the package."""

from __future__ import annotations

import inspect

import pytest

import plexlink
import plexlink.aio
import plexlink.testing
from plexlink.testing import Emulator

from conftest import INTERVAL


def test_no_repr_shows_a_token_or_a_code(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    pin = client.create_pin()
    emu.approve(pin)
    approved = client.check_pin(pin)
    assert approved.token == alice
    account = client.sign_in("alice", "alice-password")
    servers = client.servers(alice)
    connected = client.connect(servers[0])
    carol = emu.token_for("carol")
    assert carol is not None
    users = client.home_users(carol)
    secrets = [alice, pin.code, "alice-password"] + [s.access_token for s in servers if s.access_token]
    objects: list[object] = [client, pin, approved, account, account.subscription, connected, emu]
    objects += servers + users + servers[0].connections + connected.candidates + connected.skipped
    objects.append(plexlink.aio.AsyncClient.wrap(client))
    for obj in objects:
        text = repr(obj) + str(obj)
        assert text.startswith(type(obj).__name__ + "(") or text.startswith("<")
        for secret in secrets:
            assert secret not in text, f"{type(obj).__name__} shows a secret: {text}"


def test_every_public_name_has_a_docstring() -> None:
    modules = [plexlink, plexlink.aio, plexlink.testing]
    for module in modules:
        assert module.__doc__
        for name in module.__all__:
            obj = getattr(module, name)
            if name == "__version__":
                continue
            assert obj.__doc__, f"{module.__name__}.{name} has no docstring"
            if not isinstance(obj, type) or issubclass(obj, BaseException):
                continue
            for attr, member in vars(obj).items():
                if attr.startswith("_"):
                    continue
                assert getattr(member, "__doc__", None), f"{name}.{attr} has no docstring"


def test_values_are_frozen(client: plexlink.Client, alice: str) -> None:
    server = client.servers(alice)[0]
    with pytest.raises(AttributeError):
        server.name = "other"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        server.connections[0].uri = "http://elsewhere"  # type: ignore[misc]
    with pytest.raises(TypeError):
        plexlink.Pin()  # type: ignore[call-arg]


def test_connections_compare_by_value(client: plexlink.Client, alice: str) -> None:
    first = client.servers(alice)
    second = client.servers(alice)
    assert first[0].connections == second[0].connections
    assert len({c for s in first + second for c in s.connections}) == sum(len(s.connections) for s in first)


def test_connect_policies(emu: Emulator, client: plexlink.Client, alice: str) -> None:
    living = next(s for s in client.servers(alice) if s.name == "Living Room")
    relayless = client.connect(living, relay=False, grace=0)
    assert not relayless.relay
    assert any(s.reason == "relay_disabled" for s in relayless.skipped)
    with pytest.raises(ValueError):
        client.connect(living, allow_http="sometimes")  # type: ignore[arg-type]
    # No connection answers as the server: every probe gets a 500.
    emu.add_fault("/identity", status=500)
    with pytest.raises(plexlink.NoConnection):
        client.connect(living, probe_timeout=0.5)


def test_the_package_layout() -> None:
    assert plexlink.__version__.count(".") == 2
    assert plexlink._plexlink.__file__.endswith((".abi3.so", ".pyd"))  # type: ignore[attr-defined]
    assert set(plexlink.__all__) <= set(dir(plexlink))
    assert plexlink.testing.Emulator.__module__ == "plexlink.testing"
    assert plexlink.Client.__module__ == "plexlink"


def test_client_options_are_kept(emu: Emulator) -> None:
    client = plexlink.Client(
        "My App",
        "abc-123",
        version="2.0",
        device_name="Living room TV",
        platform="Linux",
        plex_url=emu.url,
        timeout=5,
        connect_timeout=1.5,
    )
    assert (client.product, client.client_identifier, client.plex_url) == ("My App", "abc-123", emu.url)
    pin = client.create_pin()
    info = next(p for p in emu.pins() if p["id"] == pin.id)
    assert info["product"] == "My App" and info["client_identifier"] == "abc-123"
    sig = inspect.signature(plexlink.Client.wait_for_token)
    assert list(sig.parameters)[1:] == ["pin", "timeout", "interval", "on_progress", "cancel"]


def test_emulator_controls(emu: Emulator, client: plexlink.Client) -> None:
    assert emu.running and emu.url.startswith("http://127.0.0.1:")
    assert emu.scenario()["pin_lifetime_secs"] == 30
    assert emu.server_uri("Living Room", "nope") is None and emu.token_for("nobody") is None
    with pytest.raises(ValueError):
        emu.approve(123456789)
    with pytest.raises(ValueError):
        emu.add_fault("/x", status=500, close=True)
    pin = client.create_pin()
    emu.approve(pin, "bob")
    assert client.wait_for_token(pin, interval=INTERVAL) == emu.token_for("bob")
    emu.stop()
    emu.stop()
    assert not emu.running
    with pytest.raises(RuntimeError):
        emu.pins()


def test_a_custom_scenario() -> None:
    with Emulator(pin_lifetime=60) as base:
        scenario = base.scenario()
    scenario["accounts"] = [a for a in scenario["accounts"] if a["username"] in {"alice", "frank"}]
    scenario["homes"] = []
    scenario["servers"] = [s for s in scenario["servers"] if s["name"] == "Friend's Server"]
    scenario["clients"] = []
    with Emulator(scenario=scenario, lockout_after_failures=0) as emu:
        client = plexlink.Client("t", "t", plex_url=emu.url)
        token = emu.token_for("alice")
        assert token is not None
        assert [s.name for s in client.servers(token)] == ["Friend's Server"]
    with pytest.raises(ValueError):
        Emulator(scenario='{"accounts": [{"username": ""}]}')


def test_the_asyncio_face_takes_what_the_client_takes() -> None:
    def parameters(function: object) -> list[tuple[str, object, object]]:
        signature = inspect.signature(function)  # type: ignore[arg-type]
        return [(p.name, p.kind, p.default) for p in signature.parameters.values() if p.name not in {"self", "executor"}]

    assert parameters(plexlink.aio.AsyncClient.__init__) == parameters(plexlink.Client)
    for name, member in vars(plexlink.Client).items():
        if name.startswith("_") or not callable(member):
            continue
        assert parameters(getattr(plexlink.aio.AsyncClient, name)) == parameters(member), name
