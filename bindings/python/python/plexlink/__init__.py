"""Sign people in to Plex and find their servers.

plexlink logs a person in with a PIN (the code they type at plex.tv/link), with a password
(and two-factor code), or as a Plex Home user; lists their servers; and picks the best
working connection to one. It is a thin face over a Rust library: every call releases the
GIL while it waits on the network, and every error is a :class:`PlexlinkError`.

>>> import plexlink
>>> client = plexlink.Client("My Player", "0b7e6f52-5c3a-4f0e-8d1c-2a9b8c7d6e5f")
>>> pin = client.create_pin()                            # doctest: +SKIP
>>> print(f"Go to {pin.link_url} and enter {pin.code}")  # doctest: +SKIP
>>> token = client.wait_for_token(pin)                   # doctest: +SKIP
>>> for server in client.servers(token):                 # doctest: +SKIP
...     print(server.name, client.connect(server).uri)

Plex JWT sign-in: a :class:`DeviceKey` per client identifier (keep its ``private_key`` as a
secret), a JWT PIN, and a :class:`JwtSession` that the client refreshes. Signing in this way
ends the legacy token of that client identifier.

>>> key = plexlink.DeviceKey.generate()                   # doctest: +SKIP
>>> pin = client.create_pin(jwt_key=key)                  # doctest: +SKIP
>>> jwt = client.wait_for_jwt(pin)                        # doctest: +SKIP
>>> session = plexlink.JwtSession(key, jwt)               # doctest: +SKIP
>>> account = client.with_jwt(session, client.user)       # doctest: +SKIP

A connection that stays right while the program runs: :meth:`Client.keep` races once, then
fails over when a request fails, moves up when a better connection answers again, and tells
of each change. :meth:`Client.servers_or_snapshot` lists the servers from a stored
:class:`ResourcesSnapshot` while plex.tv cannot be reached.

>>> with client.keep(server, last_good=saved_uri) as kept:  # doctest: +SKIP
...     identity = kept.call(client.identity)  # a NetworkError reports the failure itself

For asyncio programs, :mod:`plexlink.aio` has the same calls as coroutines; for tests,
:mod:`plexlink.testing` has a local stand-in for plex.tv.
"""

from ._plexlink import (
    Account,
    Cancel,
    Cancelled,
    CandidateReport,
    Client,
    Connected,
    Connection,
    DeviceKey,
    DeviceRemoved,
    HomePinRequired,
    HomeUser,
    HttpError,
    Identity,
    InsecureTransport,
    InvalidArgument,
    InvalidJwt,
    InvalidVerificationCode,
    IpLockedOut,
    JwtClaims,
    JwtSession,
    KeptEvent,
    KeptServer,
    NetworkError,
    NoConnection,
    Pin,
    PinExpired,
    PlexJwt,
    PlexlinkError,
    ProtocolError,
    RaceOutcome,
    RateLimited,
    Resource,
    ResourcesSnapshot,
    ServerList,
    ServerRefused,
    SkippedConnection,
    Subscription,
    Timeout,
    TokenExpired,
    TwoFactorRequired,
    Unauthorized,
    WaitProgress,
    __version__,
)

__all__ = [
    # The client and what it returns
    "Client",
    "Pin",
    "WaitProgress",
    "Cancel",
    "Account",
    "Subscription",
    "HomeUser",
    "Resource",
    "Connection",
    "Connected",
    "CandidateReport",
    "SkippedConnection",
    "RaceOutcome",
    "Identity",
    # The kept connection, and servers while plex.tv is down
    "KeptServer",
    "KeptEvent",
    "ServerList",
    "ResourcesSnapshot",
    # Plex JWT sign-in
    "DeviceKey",
    "PlexJwt",
    "JwtClaims",
    "JwtSession",
    # Errors
    "PlexlinkError",
    "Unauthorized",
    "TwoFactorRequired",
    "InvalidVerificationCode",
    "IpLockedOut",
    "PinExpired",
    "HomePinRequired",
    "RateLimited",
    "TokenExpired",
    "DeviceRemoved",
    "InvalidJwt",
    "HttpError",
    "ServerRefused",
    "ProtocolError",
    "InvalidArgument",
    "InsecureTransport",
    "NetworkError",
    "Timeout",
    "Cancelled",
    "NoConnection",
    "__version__",
]
