"""Render charts/nhi offline with helm-python-sdk and (re)write the golden renders in charts/nhi/golden/.

Usage: python charts/render_golden.py         (rewrite the golden files)
       python charts/render_golden.py --check (exit 1 when a golden file is out of date)

Each golden file is the chart rendered as release "nhi" in namespace "nhi", with the chart's default
values (default.yaml) or with golden/<name>.values.yaml on top (<name>.yaml), in the layout of
`helm template`: one document per manifest, each with a `# Source:` line, templates in path order.
"""

from __future__ import annotations

import argparse
import pathlib
import re
import sys

import helm_python as helm

CHART = pathlib.Path(__file__).resolve().parent / "nhi"
GOLDEN = CHART / "golden"
RELEASE = "nhi"
NAMESPACE = "nhi"
_DOCUMENT_SEPARATOR = re.compile(r"^---[ \t]*$", re.MULTILINE)


def golden_cases() -> dict[str, dict | None]:
    """Golden file name -> override values (None = the chart's defaults)."""
    cases: dict[str, dict | None] = {"default": None}
    for path in sorted(GOLDEN.glob("*.values.yaml")):
        cases[path.name.removesuffix(".values.yaml")] = helm.values_from_yaml(path.read_text(encoding="utf-8"))
    return cases


def render(values: dict | None = None) -> str:
    """The chart rendered with `values`, as one multi-document YAML text."""
    with helm.Chart.load(CHART) as chart:
        manifests = chart.render(values, name=RELEASE, namespace=NAMESPACE)
    parts: list[str] = []
    for source in sorted(manifests):
        if not source.endswith((".yaml", ".yml")):
            continue
        for document in _DOCUMENT_SEPARATOR.split(manifests[source]):
            document = document.strip("\n")
            if document.strip():
                parts.append(f"---\n# Source: {source}\n{document}\n")
    return "".join(parts)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    args = parser.parse_args(argv)
    stale = []
    for name, values in golden_cases().items():
        path = GOLDEN / f"{name}.yaml"
        text = render(values)
        if args.check:
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                stale.append(path)
            continue
        path.write_text(text, encoding="utf-8")
        print(f"wrote {path.relative_to(CHART.parent.parent)}")
    for path in stale:
        print(f"out of date: {path} (run python charts/render_golden.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
