"""docs/validate-coverage.md accounts for every message class of the W3C service's
catalogue: each row names rules that exist, or says why the class is not checked."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / ".." / "shared" / "specs" / "w3c-validator-messages.md"
COVERAGE = ROOT / "docs" / "validate-coverage.md"
STATUSES = {"covered", "warning (policy)", "not checked (obsolete)",
            "not checked (other format)", "not checked (policy)", "not checked (network)"}

pytestmark = pytest.mark.skipif(not CATALOGUE.is_file(),
                                reason="../shared/specs is not beside the checkout")


def catalogue_classes() -> list[tuple[str, str]]:
    return re.findall(r"^## (\w+) \((error|warning|info)\)$",
                      CATALOGUE.read_text(encoding="utf-8"), re.MULTILINE)


def coverage_rows() -> list[list[str]]:
    rows = []
    for line in COVERAGE.read_text(encoding="utf-8").splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split(" | ")]
        if line.startswith("| ") and len(cells) == 5 and cells[0] not in ("W3C class", "---"):
            rows.append(cells)
    return rows


def documented_rules() -> set[str]:
    doc = (ROOT / "docs" / "validate.md").read_text(encoding="utf-8")
    rules = set(re.findall(r"^\| `([a-z][a-z0-9-]+)`", doc, re.MULTILINE))
    return rules | set(re.findall(r"^\| `[a-z0-9-]+` / `([a-z0-9-]+)`", doc, re.MULTILINE))


def test_every_catalogue_class_has_exactly_one_row() -> None:
    classes = catalogue_classes()
    assert len(classes) > 250  # the catalogue was read
    rows = [(name, level) for name, level, *_ in coverage_rows()]
    assert sorted(rows) == sorted(classes)
    assert len(rows) == len(set(rows))


def test_rows_name_documented_rules_or_a_reason() -> None:
    documented = documented_rules()
    for name, _level, rules, status, note in coverage_rows():
        assert status in STATUSES, name
        if status.startswith("not checked"):
            assert rules == "—", name
            assert len(note) > 20, f"{name}: say why it is not checked"
        else:
            named = re.findall(r"`([a-z0-9-]+)`", rules)
            assert named, name
            assert set(named) <= documented, f"{name}: {set(named) - documented}"


def test_the_totals_line_is_true() -> None:
    counts = Counter(status for *_, status, _note in coverage_rows())
    text = COVERAGE.read_text(encoding="utf-8")
    for status, number in counts.items():
        assert f"{number} {status}" in text, status
