"""My Number key versions: rows stay readable and searchable under every configured version, and
`rotate-mynumber-key` moves each row to the current version once, resuming after a kill."""

from __future__ import annotations

import base64
import os
import pathlib
import signal
import subprocess
import sys

import pytest
import sqlalchemy as sa

from nhi_common.mynumber_keys import MyNumberKeys
from nhi_qualification import bootstrap
from nhi_qualification.adapters import migration_import, mynumber_rotation
from nhi_qualification.adapters.tables import mynumber_rotations, persons
from nhi_qualification.adapters.vault import MyNumberVault
from nhi_qualification.domain.numbers import my_number_check_digit
from nhi_qualification.service_layer.context import Actor

OLD = base64.b64encode(b"k" * 32).decode()  # conftest's key: version 1
NEW = base64.b64encode(b"n" * 32).decode()
READER = Actor("auditor-7", scopes=frozenset({"mynumber:read"}))
BIN = pathlib.Path(sys.executable).parent


def my_number(i: int) -> str:
    body = f"{100000000000 + i * 7919:011d}"[-11:]
    return body + str(my_number_check_digit(body))


def load(engine, vault, count: int, first: int = 0) -> dict[str, str]:
    """`count` households of one person each, with a My Number; {person_id: my_number}."""
    numbers = {f"{first + i + 1:09d}": my_number(first + i) for i in range(count)}
    records = [
        {
            "household_id": f"H{pid}",
            "head_person_id": pid,
            "address": {"address": "みどり市泉町1丁目2番3号"},
            "members": [
                {
                    "person_id": pid,
                    "name_kanji": "試験 太郎",
                    "name_kana": "シケン　タロウ",
                    "birth_date": "1980-01-01",
                    "sex": "1",
                    "relationship": "世帯主",
                    "listing_order": 1,
                    "resident_since": "2000-04-01",
                    "insured": False,
                    "my_number": number,
                }
            ],
        }
        for pid, number in numbers.items()
    ]
    migration_import.import_households(engine, vault, "139998", records)
    return numbers


def stored(engine) -> dict[str, tuple[bytes, int | None, str]]:
    with engine.connect() as conn:
        return {
            r.person_id: (bytes(r.my_number_enc), r.my_number_key_version, r.my_number_hash)
            for r in conn.execute(sa.select(persons).where(persons.c.my_number_enc.is_not(None)))
        }


def app_with(engine, keys: MyNumberKeys):
    return bootstrap.make_app(engine, mynumber_key=keys, insurer_number="139998", insured_symbol="みどり")


def test_keys_are_read_from_version_entries_and_the_single_key_is_version_one():
    keys = MyNumberKeys.from_settings(f"2:{NEW}", "", OLD)
    assert keys.versions == (1, 2) and keys.current == 2
    assert MyNumberKeys.from_settings(f"1:{OLD},2:{NEW}", "1", None).current == 1
    assert MyNumberKeys.from_settings(None, None, OLD).versions == (1,)
    for keys_value, current, single, named in (
        ("", "", "", "NHI_MYNUMBER_KEYS"),
        ("two:abc", "", "", "version:base64key"),
        (f"1:{OLD},1:{NEW}", "", "", "twice"),
        (f"2:{NEW}", "3", "", "NHI_MYNUMBER_KEY_VERSION=3"),
        (f"1:{NEW}", "", OLD, "differ"),
        ("1:bm90IDMyIGJ5dGVz", "", "", "32 bytes"),
    ):
        with pytest.raises(ValueError, match=named):
            MyNumberKeys.from_settings(keys_value, current, single)


def test_a_sealed_text_says_its_version_and_opens_after_the_key_is_no_longer_current():
    old = MyNumberKeys({1: OLD})
    token = old.seal_text("123456789018")
    assert token.startswith("mn:v1:") and "123456789018" not in token
    both = MyNumberKeys({1: OLD, 2: NEW})
    assert both.open_text(token) == "123456789018"
    assert both.reseal_text(token).startswith("mn:v2:")
    with pytest.raises(ValueError, match="version 1 is not configured"):
        MyNumberKeys({2: NEW}).open_text(token)


def test_rows_under_the_old_key_are_read_and_found_until_rotation_moves_every_row_to_the_new_one(engine):
    numbers = load(engine, MyNumberVault(OLD), 7)
    with engine.begin() as conn:  # rows written before key versions existed
        conn.execute(sa.update(persons).values(my_number_key_version=None))
    both = MyNumberKeys.from_settings(f"2:{NEW}", "", OLD)
    app = app_with(engine, both)
    from clients import Qualification

    service = Qualification(app)
    fresh = load(engine, app.vault, 1, first=100)  # written during the rotation period: under version 2
    assert {v for _, v, _ in stored(engine).values()} == {None, 2}
    for pid, number in {**numbers, **fresh}.items():
        assert service.get_person(pid, READER)["my_number"] == number
        found, _ = service.search_persons({"my_number": number}, 10, "", READER)
        assert [p["person_id"] for p in found] == [pid]

    before = stored(engine)
    result = mynumber_rotation.rotate(engine, app.vault, batch_size=3)
    after = stored(engine)
    assert (result.target_version, result.rotated) == (2, 7)
    assert {v for _, v, _ in after.values()} == {2}
    pid_fresh = next(iter(fresh))
    assert after[pid_fresh] == before[pid_fresh]  # already under version 2: left alone
    assert mynumber_rotation.versions_in_use(engine) == {2: 8}

    only_new = Qualification(app_with(engine, MyNumberKeys({2: NEW})))
    for pid, number in {**numbers, **fresh}.items():
        assert number.encode() not in after[pid][0]
        assert only_new.get_person(pid, READER)["my_number"] == number
        found, _ = only_new.search_persons({"my_number": number}, 10, "", READER)
        assert [p["person_id"] for p in found] == [pid]
    assert mynumber_rotation.rotate(engine, app.vault).rotated == 0


def test_a_rotation_stopped_after_a_batch_continues_from_its_checkpoint_and_encrypts_no_row_twice(engine):
    load(engine, MyNumberVault(OLD), 10)
    vault = MyNumberVault(MyNumberKeys({1: OLD, 2: NEW}))

    class Killed(Exception):
        pass

    def stop_after_first(rotated):
        raise Killed

    with pytest.raises(Killed):
        mynumber_rotation.rotate(engine, vault, batch_size=4, after_batch=stop_after_first)
    halfway = stored(engine)
    done = {pid for pid, (_, v, _) in halfway.items() if v == 2}
    assert len(done) == 4
    with engine.connect() as conn:
        checkpoint = conn.execute(sa.select(mynumber_rotations)).one()
    assert (checkpoint.after_person_id, checkpoint.rotated, checkpoint.finished_at) == ("000000004", 4, None)

    result = mynumber_rotation.rotate(engine, vault, batch_size=4)
    final = stored(engine)
    assert (result.resumed_after, result.rotated, result.total_rotated) == ("000000004", 6, 10)
    assert all(final[pid] == halfway[pid] for pid in done)  # the first batch's rows were not touched again
    assert {v for _, v, _ in final.values()} == {2}


def test_the_command_killed_mid_run_finishes_on_a_re_run(tmp_path):
    url = f"sqlite:///{tmp_path / 'q.db'}"
    env = {
        **os.environ,
        "QUALIFICATION_DATABASE_URL": url,
        "NHI_MYNUMBER_KEY": OLD,
        "NHI_VAR_DIR": str(tmp_path),
        "NHI_MYNUMBER_KEYS": "",
        "NHI_MYNUMBER_KEY_VERSION": "",
    }
    env.pop("QUALIFICATION_DATABASE_SCHEMA", None)
    subprocess.run([BIN / "nhi-qualification", "migrate"], env=env, check=True, capture_output=True)
    engine = sa.create_engine(url)
    numbers = load(engine, MyNumberVault(OLD), 400)
    env["NHI_MYNUMBER_KEYS"] = f"2:{NEW}"
    command = [BIN / "nhi-qualification", "rotate-mynumber-key", "--batch-size", "5"]
    run = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    first = run.stdout.readline()
    assert '"target_version": 2' in first
    run.send_signal(signal.SIGKILL)
    run.wait()
    partly = mynumber_rotation.versions_in_use(engine)
    assert partly.get(2, 0) >= 5 and partly.get(1, 0) > 0, partly
    done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
    assert '"versions_in_use": {"2": 400}' in done.stdout.splitlines()[-1]
    assert '"resumed_after": ""' not in done.stdout.splitlines()[-1]
    vault = MyNumberVault(MyNumberKeys({2: NEW}))
    for pid, (blob, version, lookup) in stored(engine).items():
        assert vault.decrypt(blob, version) == numbers[pid]
        assert lookup in vault.lookup_hashes(numbers[pid])
