"""記号・番号 (NUM-INSURED): two households that join at the same moment get two numbers, never the same one."""

from __future__ import annotations

import threading

import sqlalchemy as sa

from nhi_qualification.adapters.repositories.households import HouseholdRepository
from nhi_qualification.adapters.tables import households


def _household(conn, household_id: str, number: str | None = None) -> None:
    # before its first join a household has no 記号・番号 (NULL: not given yet, so no clash with another's)
    symbol = "みどり" if number else None
    HouseholdRepository(conn).add(household_id, head_person_id="P" + household_id, symbol=symbol, number=number)


def test_the_next_number_follows_the_highest_digits_only_number(engine):
    with engine.begin() as conn:
        _household(conn, "H1", "0000041")
        _household(conn, "H2", "0000007")
        _household(conn, "H3", "K000099")  # an imported number that is not digits only
        assert HouseholdRepository(conn).next_number("みどり") == "0000042"
        assert HouseholdRepository(conn).next_number("ほか") == "0000001"


def test_two_joins_at_the_same_moment_take_two_numbers(engine):
    with engine.begin() as conn:
        for n in range(1, 3):
            _household(conn, f"H{n}")
    barrier = threading.Barrier(2, timeout=10)
    taken: dict[str, str] = {}
    errors: list[BaseException] = []

    def join(household_id: str) -> None:
        try:
            barrier.wait()
            with engine.begin() as conn:
                if conn.dialect.name == "sqlite":
                    conn.exec_driver_sql("SELECT 1")  # the transaction has begun (and holds SQLite's write lock)
                repository = HouseholdRepository(conn)
                number = repository.next_number("みどり")
                barrier_after.wait()  # both have asked before either commits, where the lock allows it
                repository.update(household_id, symbol="みどり", number=number)
                taken[household_id] = number
        except threading.BrokenBarrierError:
            # the lock made the other wait: it could not reach the second barrier before this one committed
            with engine.begin() as conn:
                repository = HouseholdRepository(conn)
                number = repository.next_number("みどり")
                repository.update(household_id, symbol="みどり", number=number)
                taken[household_id] = number
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    barrier_after = threading.Barrier(2, timeout=3)
    threads = [threading.Thread(target=join, args=(f"H{n}",)) for n in range(1, 3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not errors, errors
    assert sorted(taken.values()) == ["0000001", "0000002"]
    with engine.connect() as conn:
        stored = conn.execute(sa.select(households.c.number).where(households.c.number.is_not(None))).scalars().all()
    assert sorted(stored) == ["0000001", "0000002"]
