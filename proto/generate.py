"""Regenerate the Python stubs from the .proto files (run by `make proto`)."""

import pathlib
import sys

import grpc_tools
from grpc_tools import protoc

ROOT = pathlib.Path(__file__).resolve().parent


def generate(out: pathlib.Path) -> int:
    """Write the stubs of every .proto under proto/nhi into `out` (mirroring the package tree)."""
    protos = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "nhi").rglob("*.proto"))
    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    args = [
        "protoc",
        f"-I{ROOT}",
        f"-I{include}",
        f"--python_out={out}",
        f"--pyi_out={out}",
        f"--grpc_python_out={out}",
        *protos,
    ]
    return protoc.main(args)


def main() -> int:
    for stale in (ROOT / "nhi").rglob("*_pb2*.py*"):
        stale.unlink()
    code = generate(ROOT)
    if code != 0:
        return code
    for proto in (ROOT / "nhi").rglob("*.proto"):
        directory = proto.parent
        while directory != ROOT:
            init = directory / "__init__.py"
            if not init.exists():
                init.write_text("")
            directory = directory.parent
    return 0


if __name__ == "__main__":
    sys.exit(main())
