"""Layout and packaging as DESIGN.md draws it: one distribution mapping core/, shards/, api/ and migrations/
onto the import package ``tatiana``, and the first-party plugins as distributions of their own, found only
through their entry points."""

from __future__ import annotations

import ast
import importlib
import shutil
import subprocess
import sys
import zipfile
from importlib.metadata import distribution
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
ROOTS = {
    "tatiana": "core",
    "tatiana.shards": "shards",
    "tatiana.api": "api",
    "tatiana.migrations": "migrations",
}
FIRST_PARTY = ("ai", "economy", "levels", "moderation")


def source_files(folder: Path) -> list[Path]:
    """Every file of ``folder`` but Python's caches."""
    return [p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts]


def test_the_import_package_is_tatiana_mapped_onto_the_folders() -> None:
    for package, folder in ROOTS.items():
        module = importlib.import_module(package)
        assert Path(str(module.__file__)).resolve().parent == REPOSITORY / folder, package
    assert (REPOSITORY / "plugins.toml").is_file()


@pytest.mark.slow
def test_the_wheel_holds_every_file_of_the_mapped_folders(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(REPOSITORY / name, project / name)
    for folder in ROOTS.values():
        shutil.copytree(REPOSITORY / folder, project / folder, ignore=shutil.ignore_patterns("__pycache__"))
    command = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w"]
    built = subprocess.run(
        [*command, str(tmp_path / "dist"), str(project)], capture_output=True, text=True, check=False
    )
    assert built.returncode == 0, built.stderr

    (wheel,) = (tmp_path / "dist").glob("tatiana_bot-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        entry_points = archive.read(
            next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
        ).decode()
    expected = {
        f"{package.replace('.', '/')}/{path.relative_to(project / folder).as_posix()}"
        for package, folder in ROOTS.items()
        for path in source_files(project / folder)
    }
    assert {n for n in names if ".dist-info/" not in n} == expected
    assert "tatiana = tatiana.cli:main" in entry_points
    assert "tatiana.plugins" not in entry_points, "the core registers no plugin"


def test_each_first_party_plugin_is_a_distribution_with_one_entry_point() -> None:
    for name in FIRST_PARTY:
        plugin_entry_points = [
            (ep.name, ep.value)
            for ep in distribution(f"tatiana-{name}").entry_points
            if ep.group == "tatiana.plugins"
        ]
        assert plugin_entry_points == [(name, f"tatiana_{name}:plugin")]
        assert (REPOSITORY / "plugins" / name / "src" / f"tatiana_{name}" / "__init__.py").is_file()
    core = [ep for ep in distribution("tatiana-bot").entry_points if ep.group == "tatiana.plugins"]
    assert core == []


def test_the_core_never_imports_a_plugin_package() -> None:
    plugin_packages = {f"tatiana_{name}" for name in FIRST_PARTY}
    imports = []
    for folder in ROOTS.values():
        for path in (REPOSITORY / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Import):
                    modules = [alias.name for alias in node.names]
                elif isinstance(node, ast.ImportFrom) and node.module:
                    modules = [node.module]
                else:
                    continue
                imports += [
                    f"{path.relative_to(REPOSITORY)}: {m}"
                    for m in modules
                    if m.split(".")[0] in plugin_packages
                ]
    assert imports == [], "first-party plugins are found through their entry points only"
