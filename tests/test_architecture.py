"""The layers of every service: domain and service layer know nothing of SQL, gRPC, stubs, NATS or other services.

Each module under `domain/` and `service_layer/` of every service package is read with `ast` (nothing is imported),
so a failure names the file and the import. A domain module also imports nothing from its own service's adapters,
entry points or service layer.
"""

from __future__ import annotations

import ast
import dataclasses
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGES = sorted([*ROOT.glob("svc-*/src/nhi_*/__init__.py"), ROOT / "gateway/src/nhi_gateway/__init__.py"])
SERVICE_PACKAGES = frozenset(path.parent.name for path in PACKAGES)
PURE_LAYERS = ("domain", "service_layer")
OUTER_LAYERS = ("adapters", "entrypoints", "service_layer")  # what a domain module must not reach into

# What a pure layer must not import, by module prefix, and why.
FORBIDDEN = {
    "sqlalchemy": "SQLAlchemy",
    "grpc": "gRPC",
    "grpc_health": "gRPC",
    "grpc_reflection": "gRPC",
    "google.protobuf": "protobuf",
    "google.rpc": "gRPC status details",
    "nhi": "generated gRPC stubs (proto package nhi)",
    "nats": "NATS",
    "nhi_common.rpc": "gRPC statuses; raise nhi_common.errors and let the servicer translate them",
}


@dataclasses.dataclass(frozen=True)
class Import:
    line: int
    module: str  # absolute, e.g. "nhi_documents.adapters.store" or "sqlalchemy.exc"


def _module_name(path: pathlib.Path, src: pathlib.Path) -> str:
    parts = list(path.relative_to(src).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: pathlib.Path, src: pathlib.Path) -> list[Import]:
    """Every module `path` imports, relative imports resolved; `from a import b` counts as a and as a.b."""
    name = _module_name(path, src)
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [Import(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            if node.module:
                found.append(Import(node.lineno, module))
            found += [Import(node.lineno, f"{module}.{alias.name}") for alias in node.names if alias.name != "*"]
    return found


def _within(module: str, prefix: str) -> bool:
    return module == prefix or module.startswith(prefix + ".")


def _forbidden_reason(module: str) -> str | None:
    return next((why for prefix, why in FORBIDDEN.items() if _within(module, prefix)), None)


def pure_modules() -> list[pathlib.Path]:
    return sorted(path for init in PACKAGES for layer in PURE_LAYERS for path in (init.parent / layer).rglob("*.py"))


def violations(path: pathlib.Path) -> list[str]:
    package_dir = next(init.parent for init in PACKAGES if init.parent in path.parents)
    own = package_dir.name
    layer = path.relative_to(package_dir).parts[0]
    found: dict[tuple[int, str], str] = {}  # one line per import statement and reason
    for imported in imports_of(path, package_dir.parent):
        module = imported.module
        top = module.split(".")[0]
        why = _forbidden_reason(module)
        if why is None and top in SERVICE_PACKAGES and top != own:
            why = "another service's package; talk to it over gRPC or NATS through a port"
        if why is None and layer == "domain" and any(_within(module, f"{own}.{outer}") for outer in OUTER_LAYERS):
            why = "the domain depends on nothing outside it"
        if why is not None:
            found.setdefault((imported.line, why), f"line {imported.line}: imports {module} ({why})")
    return [found[key] for key in sorted(found)]


def test_every_service_has_a_domain_and_a_service_layer_to_check():
    services = {path.relative_to(ROOT).parts[0] for path in PACKAGES} - {"gateway"}
    assert services and services <= {path.relative_to(ROOT).parts[0] for path in pure_modules()}


@pytest.mark.parametrize("path", pure_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_domain_and_service_layer_stay_pure(path):
    found = violations(path)
    assert not found, f"{path.relative_to(ROOT)}:\n  " + "\n  ".join(found)
