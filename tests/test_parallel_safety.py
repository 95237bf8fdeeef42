"""`make test` runs the suite on several pytest-xdist workers at once: a server a test starts gets a
port no other worker holds."""

from __future__ import annotations

import json
import socket
import urllib.request
from pathlib import Path

import pytest

from tests import conftest
from tests.conftest import served


@pytest.mark.slow
def test_a_server_whose_port_another_process_took_first_starts_on_another_port(
    database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as taken:  # another worker's server, listening on the port handed out first
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        taken_port = taken.getsockname()[1]
        handed_out, fresh = [taken_port], conftest.free_port
        monkeypatch.setattr(conftest, "free_port", lambda: handed_out.pop() if handed_out else fresh())
        with served(database, workers=1) as url:
            assert handed_out == [] and not url.endswith(f":{taken_port}")
            with urllib.request.urlopen(f"{url}/-/versions.json", timeout=30) as response:
                assert "datasette" in json.load(response)
