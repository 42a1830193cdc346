"""examples/python/login.py runs against the emulator, approved from here like a person would."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from plexlink.testing import Emulator

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "python" / "login.py"


@pytest.mark.skipif(not EXAMPLE.exists(), reason="run from a checkout of the repository")
def test_login_example(emu: Emulator, tmp_path: Path) -> None:
    env = dict(os.environ, XDG_CONFIG_HOME=str(tmp_path))
    child = subprocess.Popen(
        [sys.executable, str(EXAMPLE), "--plex-url", emu.url, "--timeout", "20"],
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
    assert "Signed in as alice" in out
    living = emu.server_uri("Living Room", "local")
    assert f"Living Room (yours): {living} [local," in out
    assert "Friend's Server (shared by " in out
    token = emu.token_for("alice")
    assert token is not None and token not in out + err
    # The identifier was kept for the next run.
    stored = (tmp_path / "plexlink-example" / "client-identifier").read_text().strip()
    assert [p["client_identifier"] for p in emu.pins()] == [stored]
