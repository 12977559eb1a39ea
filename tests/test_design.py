"""docs/design.md stays true: it names every module, and nothing imports upward."""

from __future__ import annotations

import ast
import re

from conftest import ROOT

PACKAGE = ROOT / "feedpub"
RENDERER_IMPORTS = {"feedpub.model", "feedpub.formats", "feedpub.dates", "feedpub.formats._feedgen"}
VALIDATOR_IMPORTS = {"feedpub.errors", "feedpub.formats", "feedpub.languages",
                    "feedpub.widechars"}


def layers() -> dict[str, int]:
    """Module (``validate`` for the whole validator package) → its layer, from the doc."""
    text = (ROOT / "docs" / "design.md").read_text(encoding="utf-8")
    block = re.search(r"```text\nlayer  modules\n(.*?)```", text, re.S)
    assert block, "docs/design.md has lost its layer table"
    table: dict[str, int] = {}
    for line in block[1].splitlines():
        number, *names = line.split()
        for name in names:
            assert name not in table, f"{name} is listed twice"
            table["feedpub" if name == "feedpub" else f"feedpub.{name}"] = int(number)
    return table


def modules() -> dict[str, ast.Module]:
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts)
        found[name.removesuffix(".__init__")] = ast.parse(path.read_text(encoding="utf-8"))
    return found


def unit(module: str) -> str:
    return "feedpub.validate" if module.startswith("feedpub.validate") else module


def imports(tree: ast.Module, known: set[str]) -> set[str]:
    """Every feedpub module imported anywhere in the file, lazy imports included."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("feedpub"):
            found.add(node.module)
            found.update(f"{node.module}.{a.name}" for a in node.names
                         if f"{node.module}.{a.name}" in known)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("feedpub"))
    return found


def test_the_doc_names_every_module_and_only_real_ones() -> None:
    real = {unit(m) for m in modules()}
    assert set(layers()) == real


def test_nothing_imports_upward() -> None:
    table, found = layers(), modules()
    wrong = []
    for name, tree in found.items():
        for target in imports(tree, set(found)):
            if unit(target) == unit(name):
                continue  # within one module, or the validator's own modules
            if table[unit(target)] >= table[unit(name)]:
                wrong.append(f"{name} (layer {table[unit(name)]}) imports {target} "
                             f"(layer {table[unit(target)]})")
    assert wrong == []


def test_renderers_import_only_the_model_and_the_registry() -> None:
    found = modules()
    for name in ("feedpub.formats.rss", "feedpub.formats.atom", "feedpub.formats.jsonfeed",
                 "feedpub.formats.html"):
        assert imports(found[name], set(found)) <= RENDERER_IMPORTS, name


def test_the_validator_imports_nothing_of_the_publisher() -> None:
    found = modules()
    for name, tree in found.items():
        if name.startswith("feedpub.validate"):
            outside = {t for t in imports(tree, set(found)) if not t.startswith("feedpub.validate")}
            assert outside <= VALIDATOR_IMPORTS, name


def test_the_model_imports_nothing_of_the_package() -> None:
    found = modules()
    assert imports(found["feedpub.model"], set(found)) == set()
