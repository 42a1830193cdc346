"""Test helpers: a local stand-in for plex.tv and Plex Media Servers.

>>> from plexlink import Client
>>> from plexlink.testing import Emulator
>>> with Emulator(pin_lifetime=5) as emu:
...     client = Client("Test", "test-client-id", plex_url=emu.url)
...     pin = client.create_pin()
...     emu.approve(pin, "alice")
...     token = client.wait_for_token(pin, interval=0.05)

Its servers and plex.tv change while it runs, to see a client keep (or lose) its connection:

>>> emu.set_behaviour("Living Room", "local", "dead")     # doctest: +SKIP
>>> emu.set_behaviour("Living Room", "remote-slow", "slow", ms=800)  # doctest: +SKIP
>>> emu.set_plex_tv_down(True, mode="503")                # doctest: +SKIP

``Emulator(dual_stack=True)`` adds a server with an IPv6 connection on ``[::1]``; check
``Emulator.ipv6_available()`` first.

The emulator runs inside this process (its own threads, real HTTP on 127.0.0.1), so tests
need no network and no Plex account. It is compiled into plexlink's native module: no other
package is needed.
"""

from ._plexlink import Emulator

__all__ = ["Emulator"]
