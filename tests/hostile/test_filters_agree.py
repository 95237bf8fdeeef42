"""Every judge of every check, run on every row of each hostile package that gets as far as the
content checks, finds exactly what its SQL filter leaves (tests/test_check_registry.py does the
same for the real, mutated and synthetic packages)."""

from __future__ import annotations

import pytest

from tests.agreement import assert_filters_agree_with_judges
from tests.hostile.conftest import Site
from tests.hostile.probes import PROBES, Probe


@pytest.mark.slow
@pytest.mark.parametrize("probe", PROBES, ids=lambda p: p.name)
def test_on_every_hostile_package_every_judge_finds_what_its_filter_leaves(sandbox: Site, probe: Probe) -> None:
    probe.run(sandbox)
    every, _, _ = assert_filters_agree_with_judges(sandbox.descriptor)
    assert every > 0
