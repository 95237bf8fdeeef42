"""The Makefile seen from outside: which variables reach its rules and recipes (read from the Makefile
itself, so that a new one cannot be forgotten), and a stand-in project in which any target runs with
stub programs that record their arguments instead of doing anything."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.conftest import ROOT

MAKEFILE = ROOT / "Makefile"
MAKE_REFERENCE = re.compile(r"\$[({]([A-Za-z_][A-Za-z0-9_]*)[)}]")  # $(NAME) or ${NAME}, also inside functions
SHELL_REFERENCE = re.compile(r"\$\$\{?([A-Za-z_][A-Za-z0-9_]*)")  # $$NAME or $${NAME…}: from the environment
DEFINITION = re.compile(r"(?:override\s+|export\s+)*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\?|::?|\+|!)?=(.*)", re.DOTALL)
RULE = re.compile(r"[^=#\t][^=#]*?:(?!=)")  # targets, a colon that is no `:=`, no assignment before it
# Where a recipe passes a variable's value as one quoted argument ("$$NAME" after a space, not a command).
QUOTED_ARGUMENT = re.compile(r' "\$\$([A-Za-z_][A-Za-z0-9_]*)"')
MARKER = "pwned"
# Shell and make syntax a pasted headline could hold; each would create MARKER if it ran.
PAYLOADS = {
    "backticks": f"Kim says `touch {MARKER}`",
    "dollar_parenthesis": f"x$(touch {MARKER})",
    "make_function": f"x$(shell touch {MARKER})",
    "semicolon": f"x;touch {MARKER};",
    "pipe_and_ampersand": f"x|touch {MARKER}&touch {MARKER}",
    "single_quote": f"x';touch {MARKER};'",
    "double_quote": f'x";touch {MARKER};"',
    "newline": f"x\ntouch {MARKER}\n",
}
STUB = """#!/bin/sh
# Records its name, two environment variables and its arguments, NUL-separated, behind their count.
printf '%s\\0' "$#" "$0" "${NK_CHROMIUM-}" "${NK_CFFCONVERT-}" "$@" >> "$STUB_LOG"
"""
PROGRAMS = ("python", "pip", "ruff", "lint-imports", "check-jsonschema", "zizmor", "uv", "cffconvert")


@dataclass(frozen=True)
class Rule:
    targets: str
    prerequisites: str
    recipe: tuple[str, ...]


@dataclass(frozen=True)
class Makefile:
    """The Makefile's logical lines, sorted into what make reads."""

    rules: tuple[Rule, ...]
    definitions: dict[str, tuple[str, ...]]
    fixed: frozenset[str]  # set with `override`: no command line changes them
    phony: tuple[str, ...]

    def closure(self, names: Iterable[str]) -> set[str]:
        """The names, with every variable their definitions refer to."""
        found, pending = set(), list(names)
        while pending:
            name = pending.pop()
            if name not in found:
                found.add(name)
                for value in self.definitions.get(name, ()):
                    pending += referenced(value)
        return found

    def recipe_variables(self) -> set[str]:
        """Every variable whose value reaches a recipe or a rule line."""
        return set().union(*(self.rule_uses(rule) for rule in self.rules))

    def rule_variables(self) -> set[str]:
        """The variables that name make's own targets or prerequisites."""
        return self.closure(name for rule in self.rules for name in referenced(rule.targets + rule.prerequisites))

    def rule_uses(self, rule: Rule) -> set[str]:
        return self.closure(referenced(" ".join((rule.targets, rule.prerequisites, *rule.recipe))))

    def goal_uses(self, goal: str, seen: frozenset[str] = frozenset()) -> set[str]:
        """The variables a phony goal's rules use, with those of the rules it depends on."""
        used: set[str] = set()
        for rule in self.rules:
            if goal in rule.targets.split() and goal not in seen:
                used |= self.rule_uses(rule)
                for prerequisite in rule.prerequisites.split():
                    used |= self.goal_uses(prerequisite, seen | {goal})
        return used

    def goals_using(self, name: str) -> list[str]:
        """The phony goals that use a variable (all of them if none says so), `clean` last: it removes
        what the others run."""
        goals = [goal for goal in self.phony if name in self.goal_uses(goal)] or list(self.phony)
        return sorted(goals, key=lambda goal: goal == "clean")

    def path_variables(self) -> set[str]:
        """The variables a user sets that name make's own files: make cannot quote them."""
        return self.rule_variables() - self.fixed

    def quoted_arguments(self) -> set[str]:
        return {name for rule in self.rules for line in rule.recipe for name in QUOTED_ARGUMENT.findall(line)}


def referenced(text: str) -> list[str]:
    return MAKE_REFERENCE.findall(text) + SHELL_REFERENCE.findall(text)


@cache
def read_makefile(path: Path = MAKEFILE) -> Makefile:
    rules: list[Rule] = []
    definitions: dict[str, list[str]] = {}
    fixed, phony = set(), []
    for line in re.sub(r"\\\n", " ", path.read_text(encoding="utf-8")).splitlines():
        if line.startswith("\t"):
            rules[-1] = Rule(rules[-1].targets, rules[-1].prerequisites, (*rules[-1].recipe, line))
        elif line.startswith("#") or not line.strip():
            continue
        elif line.startswith(".PHONY:"):
            phony += line.split(":", 1)[1].split()
        elif RULE.match(line):
            targets, prerequisites = line.split(":", 1)
            rules.append(Rule(targets, prerequisites, ()))
        elif definition := DEFINITION.fullmatch(line):
            definitions.setdefault(definition[1], []).append(definition[2])
            if line.startswith("override "):
                fixed.add(definition[1])
    frozen = {name: tuple(values) for name, values in definitions.items()}
    return Makefile(tuple(rules), frozen, frozenset(fixed), tuple(phony))


@dataclass(frozen=True)
class Call:
    program: str
    arguments: list[str]
    environment: dict[str, str]


class StandIn:
    """A folder with the Makefile, its lock files and the workflows, virtualenvs of stub programs, and a
    stub browser and sqlite3: `make` runs any target there, and touches nothing of the project."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.log = root / "calls"
        root.mkdir(parents=True, exist_ok=True)
        for name in ("Makefile", "requirements.lock", "requirements-cffconvert.lock"):
            shutil.copy(ROOT / name, root / name)
        shutil.copytree(ROOT / ".github", root / ".github")
        self.stub = root / "stub"
        self.stub.write_text(STUB, encoding="utf-8")
        self.stub.chmod(0o755)
        for venv in ("venv", "cff"):
            (root / venv / "bin").mkdir(parents=True)
            for program in PROGRAMS:
                (root / venv / "bin" / program).symlink_to(self.stub)
            (root / venv / ".setup-done").touch()
        self.outdate_setup()

    def outdate_setup(self) -> None:
        """Makes both virtualenvs older than their lock files, so that their setup recipes run too."""
        for venv in ("venv", "cff"):
            os.utime(self.root / venv / ".setup-done", (0, 0))

    def defaults(self) -> list[str]:
        """Values that let every recipe reach its stub program."""
        stub = str(self.stub)
        paths = [f"PYTHON={stub}", "VENV=venv", "CFFCONVERT_VENV=cff", f"CHROMIUM={stub}", f"SQLITE3={stub}"]
        return [*paths, "FROM=x", "TEXT=t", "ID=i", "TAG=v1"]

    def make(self, *arguments: str) -> subprocess.CompletedProcess[str]:
        env = {"PATH": os.environ["PATH"], "HOME": str(self.root), "STUB_LOG": str(self.log)}
        return subprocess.run(
            ["make", "--keep-going", "--no-print-directory", *arguments],
            cwd=self.root, env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip

    def calls(self) -> list[Call]:
        if not self.log.exists():
            return []
        fields = self.log.read_bytes().decode("utf-8").split("\0")
        calls, index = [], 0
        while index < len(fields) - 1:
            count = int(fields[index])
            program, chromium, cffconvert = fields[index + 1 : index + 4]
            arguments = fields[index + 4 : index + 4 + count]
            calls.append(Call(Path(program).name, arguments, {"NK_CHROMIUM": chromium, "NK_CFFCONVERT": cffconvert}))
            index += 4 + count
        return calls
