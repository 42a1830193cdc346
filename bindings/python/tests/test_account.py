"""Password sign-in (with two-factor), Plex Home, claim tokens and linking another device."""

from __future__ import annotations

import pytest

import plexlink
from plexlink.testing import Emulator

from conftest import INTERVAL, new_client


def test_sign_in_with_a_password(emu: Emulator, client: plexlink.Client) -> None:
    account = client.sign_in("alice", "alice-password")
    assert account.username == "alice" and account.token == emu.token_for("alice")
    by_email = client.sign_in("alice@example.com", "alice-password")
    assert by_email.token == account.token
    with pytest.raises(plexlink.Unauthorized) as wrong:
        client.sign_in("alice", "not-her-password")
    assert wrong.value.message


def test_two_factor_sign_in(emu: Emulator, client: plexlink.Client) -> None:
    with pytest.raises(plexlink.TwoFactorRequired) as needed:
        client.sign_in("bob", "bob-password")
    assert needed.value.message and needed.value.message in str(needed.value)
    with pytest.raises(plexlink.InvalidVerificationCode):
        client.sign_in("bob", "bob-password", verification_code="000000")
    account = client.sign_in("bob", "bob-password", verification_code="123456")
    assert account.two_factor_enabled and account.token == emu.token_for("bob")
    backup = client.sign_in("bob", "bob-password", "backup-code-1234567890")
    assert backup.username == "bob"


def test_plex_home_users_and_switching(emu: Emulator, client: plexlink.Client) -> None:
    carol = client.sign_in("carol", "carol-password")
    assert carol.token is not None and carol.home and carol.home_admin
    users = {u.title: u for u in client.home_users(carol.token)}
    assert {"Carol", "Dave", "Erin"} <= set(users)
    assert users["Carol"].admin and users["Erin"].protected and not users["Dave"].protected

    dave = client.switch_home_user(carol.token, users["Dave"])
    assert dave.token == emu.token_for("dave")
    # By uuid, with the Home PIN of a protected user.
    with pytest.raises(plexlink.HomePinRequired) as needed:
        client.switch_home_user(carol.token, users["Erin"].uuid)
    assert needed.value.status == 403 and needed.value.message
    erin = client.switch_home_user(carol.token, users["Erin"].uuid, pin="1234")
    assert erin.token == emu.token_for("erin")
    # A Home user reads resources with their own token and sees the shared server.
    assert erin.token is not None
    assert [s.name for s in client.servers(erin.token)] == ["Home Server"]


def test_claim_token(client: plexlink.Client, alice: str) -> None:
    claim = client.claim_token(alice)
    assert claim.startswith("claim-")


def test_link_another_devices_code(emu: Emulator, client: plexlink.Client, alice: str, later) -> None:
    tv = new_client(emu)
    pin = tv.create_pin()
    # Alice, signed in on her phone, types the code the TV shows.
    later(0.2, lambda: client.link_pin(alice, pin.code))
    assert tv.wait_for_token(pin, interval=INTERVAL) == alice
