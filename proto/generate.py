"""Regenerate the Python stubs from the .proto files (run by `make proto`)."""

import pathlib
import sys

from grpc_tools import protoc
import grpc_tools

ROOT = pathlib.Path(__file__).resolve().parent


def main() -> int:
    protos = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "nhi").rglob("*.proto"))
    include = str(pathlib.Path(grpc_tools.__file__).parent / "_proto")
    for stale in (ROOT / "nhi").rglob("*_pb2*.py*"):
        stale.unlink()
    args = ["protoc", f"-I{ROOT}", f"-I{include}", f"--python_out={ROOT}", f"--pyi_out={ROOT}",
            f"--grpc_python_out={ROOT}", *protos]
    code = protoc.main(args)
    if code != 0:
        return code
    for directory in {p.parent for p in (ROOT / "nhi").rglob("*.proto")} | {ROOT / "nhi"}:
        for package_dir in [directory, *directory.relative_to(ROOT).parents]:
            init = ROOT / package_dir / "__init__.py"
            if package_dir != pathlib.Path(".") and not init.exists():
                init.write_text("")
    return 0


if __name__ == "__main__":
    sys.exit(main())
