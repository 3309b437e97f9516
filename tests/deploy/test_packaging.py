"""Development code (nhi_devtools: the local supervisor, embedded NATS, test databases) stays out of every image."""

from __future__ import annotations

import ast
import pathlib
import re
import tomllib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
IMAGE_PACKAGES = ["common", "gateway", "simulators", *sorted(p.name for p in ROOT.glob("svc-*") if p.is_dir())]
DOCKERFILES = sorted(ROOT.glob("*/Dockerfile"))


def _imported_modules(path: pathlib.Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", IMAGE_PACKAGES)
def test_no_module_of_an_image_package_imports_devtools(package):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / package / "src").rglob("*.py"))
        if any(name.split(".")[0] == "nhi_devtools" for name in _imported_modules(path))
    ]
    assert offenders == []


@pytest.mark.parametrize("package", IMAGE_PACKAGES)
def test_no_image_package_depends_on_devtools(package):
    project = tomllib.loads((ROOT / package / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not [d for d in project.get("dependencies", []) if re.match(r"nhi-devtools\b", d)]


def test_there_are_dockerfiles_to_check():
    assert len(DOCKERFILES) >= 6


@pytest.mark.parametrize("dockerfile", DOCKERFILES, ids=lambda p: p.parent.name)
def test_no_dockerfile_copies_or_installs_devtools(dockerfile):
    instructions = [
        line for line in dockerfile.read_text(encoding="utf-8").splitlines() if not line.lstrip().startswith("#")
    ]
    assert not [line for line in instructions if "devtools" in line]
