#!/usr/bin/env python3
"""Sign in to Plex with a PIN, list your servers and connect to each.

    python login.py                      # against plex.tv
    python login.py --jwt                # Plex JWT sign-in, with a device key
    python login.py --plex-url URL       # against another plex.tv (the emulator, in tests)

The script shows a 4-character code and the page where to enter it, waits until you approve
it, then lists your servers and the best working connection of each. It keeps this
installation's client identifier in a file (plex.tv lists every new identifier as a new
device), and never prints the token.

With --jwt the sign-in ends with a Plex JWT for a device key that the script keeps (a secret,
in a file only you can read). A Plex JWT ends the legacy token of its client identifier, so
--jwt keeps an identifier of its own.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from collections.abc import Callable
from pathlib import Path

import plexlink


def kept(name: str, make: Callable[[], str]) -> str:
    """A value made once, then read back from the config directory; only you can read it."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "plexlink-example" / name
    try:
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    except FileNotFoundError:
        pass
    made = make()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created unreadable to others before anything is written: the device key is a secret.
    with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as file:
        file.write(made + "\n")
    return made


def client_identifier(jwt: bool) -> str:
    """This installation's identifier (one for each way of signing in)."""
    return kept("client-identifier-jwt" if jwt else "client-identifier", lambda: str(uuid.uuid4()))


def device_key() -> plexlink.DeviceKey:
    """The device key of the --jwt identifier, kept as its private key text."""
    text = kept("device-key", lambda: plexlink.DeviceKey.generate().private_key)
    return plexlink.DeviceKey.from_private_key(text)


def show_progress(progress: plexlink.WaitProgress) -> None:
    """Prints a countdown while the PIN waits for approval."""
    if progress.remaining is not None:
        print(f"  waiting... {progress.remaining:.0f} s left", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Runs the login; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plex-url", help="the plex.tv to use (default: the real one)")
    parser.add_argument("--timeout", type=float, help="give up after this many seconds")
    parser.add_argument("--jwt", action="store_true", help="sign in with a device key (Plex JWT)")
    args = parser.parse_args(argv)

    client = plexlink.Client(
        "plexlink example",
        client_identifier(args.jwt),
        version=plexlink.__version__,
        device_name="login.py",
        plex_url=args.plex_url,
    )
    key = device_key() if args.jwt else None
    pin = client.create_pin(jwt_key=key)
    print(f"Go to {pin.link_url} and enter the code {pin.code}", flush=True)
    token = ""
    session: plexlink.JwtSession | None = None
    try:
        if key is None:
            token = client.wait_for_token(pin, timeout=args.timeout, on_progress=show_progress)
        else:
            jwt = client.wait_for_jwt(pin, timeout=args.timeout, on_progress=show_progress)
            session = plexlink.JwtSession(key, jwt)
            print(f"Plex JWT for device {key.kid}, valid until {jwt.claims.expires_at:%Y-%m-%d %H:%M} UTC")
    except plexlink.PinExpired:
        print("The code expired before it was entered; run me again.", file=sys.stderr)
        return 1
    except plexlink.Timeout:
        print("Gave up waiting.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return 130

    if session is None:
        account, servers = client.user(token), client.servers(token)
    else:
        # Each plex.tv call through the session: the JWT is refreshed when it runs low, and the
        # call made once more if plex.tv says it expired. Servers get their own tokens.
        account = client.with_jwt(session, client.user)
        servers = client.with_jwt(session, client.servers)
    print(f"Signed in as {account.username or account.title}", flush=True)

    if not servers:
        print("No servers on this account.")
        return 0
    # Every server is raced at once; a server out of reach gets its error in its place.
    for server, connected in zip(servers, client.connect_all(servers)):
        owner = "yours" if server.owned else f"shared by {server.source_title or 'someone'}"
        if not isinstance(connected, plexlink.Connected):
            print(f"{server.name} ({owner}): no working connection ({connected.message})")
            continue
        print(f"{server.name} ({owner}): {connected.uri} [{connected.tier}, {connected.elapsed * 1000:.0f} ms]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
