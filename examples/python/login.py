#!/usr/bin/env python3
"""Sign in to Plex with a PIN, list your servers and connect to each.

    python login.py                      # against plex.tv
    python login.py --plex-url URL       # against another plex.tv (the emulator, in tests)

The script shows a 4-character code and the page where to enter it, waits until you approve
it, then lists your servers and the best working connection of each. It keeps this
installation's client identifier in a file (plex.tv lists every new identifier as a new
device), and never prints the token.
"""

from __future__ import annotations

import argparse
import os
import sys
import uuid
from pathlib import Path

import plexlink


def client_identifier() -> str:
    """This installation's identifier: made once, then read back from the config directory."""
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    path = base / "plexlink-example" / "client-identifier"
    try:
        stored = path.read_text(encoding="utf-8").strip()
        if stored:
            return stored
    except FileNotFoundError:
        pass
    made = str(uuid.uuid4())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(made + "\n", encoding="utf-8")
    return made


def show_progress(progress: plexlink.WaitProgress) -> None:
    """Prints a countdown while the PIN waits for approval."""
    if progress.remaining is not None:
        print(f"  waiting... {progress.remaining:.0f} s left", file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    """Runs the login; returns the exit status."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--plex-url", help="the plex.tv to use (default: the real one)")
    parser.add_argument("--timeout", type=float, help="give up after this many seconds")
    args = parser.parse_args(argv)

    client = plexlink.Client(
        "plexlink example",
        client_identifier(),
        version=plexlink.__version__,
        device_name="login.py",
        plex_url=args.plex_url,
    )
    pin = client.create_pin()
    print(f"Go to {pin.link_url} and enter the code {pin.code}", flush=True)
    try:
        token = client.wait_for_token(pin, timeout=args.timeout, on_progress=show_progress)
    except plexlink.PinExpired:
        print("The code expired before it was entered; run me again.", file=sys.stderr)
        return 1
    except plexlink.Timeout:
        print("Gave up waiting.", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Cancelled.", file=sys.stderr)
        return 130

    account = client.user(token)
    print(f"Signed in as {account.username or account.title}", flush=True)

    servers = client.servers(token)
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
