"""Fail when the checked-in stubs differ from what `make proto` would generate now."""

import difflib
import pathlib
import sys
import tempfile

from generate import ROOT, generate


def stale_files() -> list[str]:
    problems = []
    with tempfile.TemporaryDirectory() as tmp:
        out = pathlib.Path(tmp)
        if generate(out) != 0:
            return ["protoc failed"]
        fresh = {p.relative_to(out) for p in out.rglob("*_pb2*.py*")}
        present = {p.relative_to(ROOT) for p in (ROOT / "nhi").rglob("*_pb2*.py*")}
        for rel in sorted(fresh | present):
            new = (out / rel).read_text() if rel in fresh else None
            old = (ROOT / rel).read_text() if rel in present else None
            if new != old:
                diff = "".join(
                    difflib.unified_diff(
                        (old or "").splitlines(True),
                        (new or "").splitlines(True),
                        f"checked-in/{rel}",
                        f"generated/{rel}",
                        n=1,
                    )
                )
                problems.append(f"{rel} is stale\n{diff[:2000]}")
    return problems


if __name__ == "__main__":
    problems = stale_files()
    for problem in problems:
        print(problem)
    if problems:
        print("run `make proto` and commit the result")
    sys.exit(1 if problems else 0)
