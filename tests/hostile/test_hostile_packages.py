"""Every hostile package of probes.py, through every command that reads a package: each is refused
with its message and exit 1, and none gets a traceback, a secret printed, a byte written, or a
connection opened."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.publishing import build
from scripts.validation import validate
from tests.hostile.conftest import Runner, Site, assert_refused_cleanly
from tests.hostile.probes import PROBES, Probe

# Every hostile package through validate, build and frictionless: seconds in all. `make check` leaves them out.
pytestmark = pytest.mark.slow


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_validate_refuses_the_hostile_package_cleanly(sandbox: Site, command: Runner, probe: Probe) -> None:
    expected, _ = probe.run(sandbox)
    before = sandbox.files()
    outcome = command(validate.main, [str(sandbox.descriptor)])
    assert_refused_cleanly(outcome, expected)
    assert sandbox.files() == before


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_the_frictionless_reference_mode_refuses_it_too(sandbox: Site, command: Runner, probe: Probe) -> None:
    _, expected = probe.run(sandbox)
    outcome = command(validate.main, [str(sandbox.descriptor), "--reference"])
    assert_refused_cleanly(outcome, expected)


@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_build_writes_nothing_from_the_hostile_package(
    sandbox: Site, command: Runner, probe: Probe, tmp_path: Path
) -> None:
    expected, _ = probe.run(sandbox)
    output = tmp_path / "out" / "nk.db"
    outcome = command(build.main, [str(sandbox.descriptor), "--output", str(output)])
    assert_refused_cleanly(outcome, expected)
    assert not output.parent.exists() or list(output.parent.iterdir()) == []
