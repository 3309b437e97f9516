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


def test_the_spec_lists_every_status_of_residence_code_and_only_those():
    import yaml

    from nhi_qualification.domain.residence import RESIDENCE_STATUSES

    spec = yaml.safe_load((PROTO.parent / "gateway/src/nhi_gateway/openapi/api.yaml").read_text())
    field = spec["components"]["schemas"]["ResidenceStatus"]
    assert spec["components"]["schemas"]["Person"]["properties"]["residence_status"] == {
        "$ref": "#/components/schemas/ResidenceStatus"
    }
    assert field["nullable"] is True and field["enum"] == [*(s.code for s in RESIDENCE_STATUSES), None]
    assert all(f"`{s.code}` {s.name}" in field["description"] for s in RESIDENCE_STATUSES)
