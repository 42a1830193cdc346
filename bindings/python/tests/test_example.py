"""examples/python/login.py runs against the emulator, approved from here like a person would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import plexlink
from plexlink.testing import Emulator

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "python" / "login.py"


def run_login(emu: Emulator, tmp_path: Path, *options: str) -> tuple[str, str]:
    """Runs login.py, approves its code as alice, and returns what it printed."""
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--plex-url", emu.url, "--timeout", "20", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert child.stdout is not None
        first = child.stdout.readline()
        found = re.fullmatch(r"Go to (\S+) and enter the code (\w{4})\n", first)
        assert found, first
        assert found.group(1) == emu.url + "link"
        emu.approve_code(found.group(2), "alice")
        out, err = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
            child.communicate()
    assert child.returncode == 0, (out, err)
    return out, err


@pytest.mark.skipif(not EXAMPLE.exists(), reason="run from a checkout of the repository")
def test_login_example(emu: Emulator, tmp_path: Path) -> None:
    out, err = run_login(emu, tmp_path)
    assert "Signed in as alice" in out
    living = emu.server_uri("Living Room", "local")
    assert f"Living Room (yours): {living} [local," in out
    assert "Friend's Server (shared by " in out
    token = emu.token_for("alice")
    assert token is not None and token not in out + err
    # The identifier was kept for the next run.
    stored = (tmp_path / "plexlink-example" / "client-identifier").read_text().strip()
    assert [p["client_identifier"] for p in emu.pins()] == [stored]


@pytest.mark.skipif(not EXAMPLE.exists(), reason="run from a checkout of the repository")
def test_login_example_with_a_plex_jwt(emu: Emulator, tmp_path: Path) -> None:
    out, err = run_login(emu, tmp_path, "--jwt")
    assert "Signed in as alice" in out and "Plex JWT for device " in out
    living = emu.server_uri("Living Room", "local")
    assert f"Living Room (yours): {living} [local," in out
    # The key was kept, readable by its owner only, under an identifier of its own; plex.tv
    # registered that key for it, and nothing secret was printed.
    kept = tmp_path / "plexlink-example"
    key = plexlink.DeviceKey.from_private_key((kept / "device-key").read_text().strip())
    assert (kept / "device-key").stat().st_mode & 0o077 == 0
    stored = (kept / "client-identifier-jwt").read_text().strip()
    assert not (kept / "client-identifier").exists()
    assert emu.jwt_devices() == [{"client_identifier": stored, "account": "alice", "kid": key.kid}]
    assert [(p["client_identifier"], p["jwk"]) for p in emu.pins()] == [(stored, True)]
    assert key.kid in out and key.private_key not in out + err
    jwt_requests = [r for r in emu.requests() if r["token_kind"] == "jwt"]
    assert jwt_requests and all(r["listener"] == "plex.tv" for r in jwt_requests)
