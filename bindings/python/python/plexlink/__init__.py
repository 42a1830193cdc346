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
    HomePinRequired,
    HomeUser,
    HttpError,
    Identity,
    InsecureTransport,
    InvalidArgument,
    InvalidVerificationCode,
    IpLockedOut,
    NetworkError,
    NoConnection,
    Pin,
    PinExpired,
    PlexlinkError,
    ProtocolError,
    RateLimited,
    Resource,
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
    "Identity",
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
    "HttpError",
    "ProtocolError",
    "InvalidArgument",
    "InsecureTransport",
    "NetworkError",
    "Timeout",
    "Cancelled",
    "NoConnection",
    "__version__",
]
