"""The README is the user's manual: keep it true to the program and to CI."""

from __future__ import annotations

import re

from conftest import ROOT
from feedpub.cli import COMMANDS
from feedpub.errors import ExitCode

README = (ROOT / "README.md").read_text(encoding="utf-8")


def quick_start_commands() -> list[str]:
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_quick_start_is_exactly_two_commands() -> None:
    assert quick_start_commands() == ["pip install -e . && python publish.py build",
                                      "pip install -e '.[test]' && python -m pytest"]


def test_ci_runs_the_readme_commands_verbatim() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    for command in quick_start_commands():
        assert command in ci


def test_every_command_is_documented() -> None:
    for command in COMMANDS:
        assert f"publish.py {command}" in README or f"publish.py [{command}]" in README, command


def test_every_exit_code_is_documented() -> None:
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for name, code in vars(ExitCode).items():
        if name.isupper():
            assert f"\n| {code} | `{name}` |" in table, name


def test_the_exit_code_table_is_written_once() -> None:
    """docs/ link to the README's table instead of keeping a copy that can drift."""
    for page in (ROOT / "docs").glob("*.md"):
        assert "| `INTERRUPTED` |" not in page.read_text(encoding="utf-8"), page.name
