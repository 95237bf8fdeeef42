"""Shell and make syntax in the variables of `make` (a pasted headline, a revision name) stays text.
Every variable that reaches a recipe or a rule, as the Makefile itself says, is tried with each payload
on every target, in a stand-in project whose programs are stubs that record their arguments."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.makefile import MARKER, PAYLOADS, StandIn, read_makefile

MAKEFILE = read_makefile()
GOALS = MAKEFILE.goals_using("")  # every goal
CURATOR_VARIABLES = {"TITLE", "TEXT", "ID", "URL", "PUBLISHED", "PUBLISHER", "SOURCE", "FROM", "TO"}
LITERAL_TEXT = "costs $5, $$ and 100% \\ of ~ #1"  # make would expand `$5` and `$$` if it read the value


@pytest.fixture
def stand_in(tmp_path: Path) -> StandIn:
    return StandIn(tmp_path / "project")


def test_the_variables_are_read_from_the_makefile() -> None:
    """The derivation finds what a curator types and what selects make's files: else the tests below
    would try nothing."""
    assert CURATOR_VARIABLES | {"DATAPACKAGE", "SIZES", "FORMAT", "WORKERS", "PYTHON"} <= MAKEFILE.recipe_variables()
    assert {"VENV", "CHROMIUM"} <= MAKEFILE.path_variables()
    assert MAKEFILE.quoted_arguments() >= CURATOR_VARIABLES


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("name", sorted(MAKEFILE.recipe_variables()))
def test_no_make_variable_runs_the_shell_or_make_syntax_it_holds(stand_in: StandIn, name: str, payload: str) -> None:
    result = stand_in.make(*MAKEFILE.goals_using(name), *stand_in.defaults(), f"{name}={payload}")
    assert not (stand_in.root / MARKER).exists(), f"make {name}=… ran a command:\n{result.stdout[-3000:]}"
    refused = f"{name} must be one path of letters, digits and / . _ - + @ ~" in result.stderr
    if name in MAKEFILE.path_variables():
        assert refused and result.returncode != 0, result.stderr[-2000:]
    else:
        assert not refused and result.stdout, result.stderr[-2000:]  # the recipes ran, with the payload in place


@pytest.mark.parametrize("payload", [*PAYLOADS.values(), LITERAL_TEXT], ids=[*PAYLOADS, "literal_text"])
def test_every_quoted_argument_reaches_its_program_unchanged(stand_in: StandIn, payload: str) -> None:
    names = sorted(MAKEFILE.quoted_arguments() - MAKEFILE.path_variables())
    values = {name: f"{name} {payload}" for name in names}
    stand_in.make(*GOALS, *stand_in.defaults(), *(f"{name}={value}" for name, value in values.items()))
    assert not (stand_in.root / MARKER).exists()
    received = {argument for call in stand_in.calls() for argument in call.arguments}
    assert [name for name, value in values.items() if value not in received] == []
