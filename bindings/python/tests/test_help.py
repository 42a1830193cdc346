"""What ``help()`` shows: the docstrings and signatures of the installed wheel's classes.

The native classes get their signatures from pyo3 (``__text_signature__``), not from the
stubs, so a method written without one, or a docstring lost on the way into the extension,
shows only here: ``help(plexlink.Client)`` would print ``create_pin(...)`` with no text.
"""

from __future__ import annotations

import inspect
import io
import pydoc

import pytest

import plexlink
import plexlink.aio
import plexlink.testing

# The calls a program makes in the README's order, with their parameters (after ``self``).
CLIENT_METHODS = {
    "create_pin": ["strong", "jwt_key"],
    "check_pin": ["pin"],
    "wait_for_token": ["pin", "timeout", "interval", "on_progress", "cancel"],
    "wait_for_jwt": ["pin", "key", "timeout", "interval", "on_progress", "cancel"],
    "sign_in": ["login", "password", "verification_code"],
    "user": ["token"],
    "home_users": ["token"],
    "switch_home_user": ["token", "user", "pin"],
    "servers": ["token"],
    "servers_or_snapshot": ["token", "snapshot"],
    "connect": ["resource", "grace", "probe_timeout", "relay", "ipv6", "allow_http", "http_twins"],
    "connect_all": ["resources", "grace", "probe_timeout", "relay", "ipv6", "allow_http", "http_twins"],
    "keep": [
        "server", "last_good", "warm_window", "recheck_interval", "recheck_max", "retry_max",
        "grace", "probe_timeout", "relay", "ipv6", "allow_http", "http_twins", "on_event",
    ],
    "upgrade_to_jwt": ["token", "key"],
    "with_jwt": ["session", "call"],
}

KEPT_METHODS = ["call", "report_failure", "network_changed", "events", "stop", "__enter__", "__exit__"]


def help_text(obj: object) -> str:
    """What ``help(obj)`` prints: pydoc's helper, as ``help`` runs it, writing to a buffer
    instead of a pager."""
    out = io.StringIO()
    pydoc.Helper(output=out)(obj)
    return out.getvalue()


def first_line(obj: object) -> str:
    doc = inspect.getdoc(obj)
    assert doc, f"{obj!r} has no docstring"
    return doc.splitlines()[0]


def parameters(function: object) -> list[str]:
    return [p for p in inspect.signature(function).parameters if p != "self"]  # type: ignore[arg-type]


def test_help_on_the_client_shows_every_main_method() -> None:
    text = help_text(plexlink.Client)
    assert text.startswith("Help on class Client in module plexlink:")
    assert first_line(plexlink.Client) in text
    # The constructor's signature heads the class, as for a Python class.
    assert "Client(product, client_identifier, *, version=None" in text
    for name, expected in CLIENT_METHODS.items():
        method = getattr(plexlink.Client, name)
        assert parameters(method) == expected, name
        # pydoc prints each method as name(signature) followed by its docstring.
        assert f"{name}{inspect.signature(method)}" in text, name
        assert first_line(method) in text, name


def test_render_doc_matches_help() -> None:
    rendered = pydoc.render_doc(plexlink.Client, renderer=pydoc.plaintext)
    for name in CLIENT_METHODS:
        assert first_line(getattr(plexlink.Client, name)) in rendered, name


def test_every_native_method_has_a_signature() -> None:
    # A pyo3 method whose text_signature could not be made raises ValueError here.
    for cls in (plexlink.Client, plexlink.KeptServer, plexlink.Cancel, plexlink.DeviceKey, plexlink.JwtSession,
                plexlink.ResourcesSnapshot, plexlink.testing.Emulator):
        for name, member in vars(cls).items():
            if callable(member) and (not name.startswith("_") or name in {"__enter__", "__exit__"}):
                inspect.signature(getattr(cls, name))


def test_help_on_the_kept_server() -> None:
    text = help_text(plexlink.KeptServer)
    assert first_line(plexlink.KeptServer) in text
    for name in KEPT_METHODS:
        assert first_line(getattr(plexlink.KeptServer, name)) in text, name
    assert parameters(plexlink.KeptServer.call) == ["function", "transport_errors"]
    assert parameters(plexlink.KeptServer.events) == ["timeout"]


def test_help_on_the_asyncio_face() -> None:
    text = help_text(plexlink.aio.AsyncClient)
    for name in CLIENT_METHODS:
        method = getattr(plexlink.aio.AsyncClient, name)
        assert first_line(method) in text, name
        assert [p for p in parameters(method) if p != "executor"] == CLIENT_METHODS[name], name


@pytest.mark.parametrize("module", [plexlink, plexlink.aio, plexlink.testing])
def test_help_on_the_modules(module: object) -> None:
    text = help_text(module)
    assert first_line(module) in text
    # The package's page lists its classes with their own docstrings.
    if module is plexlink:
        assert first_line(plexlink.Client) in text and first_line(plexlink.KeptServer) in text
