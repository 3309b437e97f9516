"""The checked-in gRPC stubs are what `make proto` generates from the .proto files."""

import importlib.util
import pathlib

PROTO = pathlib.Path(__file__).resolve().parents[1] / "proto"


def test_generated_stubs_are_up_to_date():
    spec = importlib.util.spec_from_file_location(
        "check_generated", PROTO / "check_generated.py", submodule_search_locations=[]
    )
    import sys

    sys.path.insert(0, str(PROTO))
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.stale_files() == [], "run `make proto` and commit the generated code"
    finally:
        sys.path.remove(str(PROTO))
