"""Income facts and burden-ratio determinations, and the household facts both the counter and the batch decide on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from nhi_common import db, paging
from nhi_common.plumbing import utcnow

from ...domain.burden_facts import HouseholdMember, IncomeFacts, household_member
from ...domain.explanations import explanation_refs, resolve_result
from .. import bulk
from ..tables import (
    burden_determinations,
    burden_explanations,
    households,
    income_facts,
    periods,
    persons,
    status_periods,
)
from .periods import qualified
from .statuses import active

SPECIFIC_SAME_HOUSEHOLD = "specific_same_household"
INCOME_COLUMNS = (
    "taxable_income",
    "gross_income",
    "kyu_tadashigaki_income",
    "non_taxed",
    "public_pension_income",
    "total_income",
)


class BurdenFacts:
    """The burden facts of the households of one key range: members and `year` incomes."""

    def __init__(self) -> None:
        self.members: dict[str, list[HouseholdMember]] = {}
        self.incomes: dict[str, IncomeFacts] = {}


def income(row: Any) -> IncomeFacts:
    """A stored income fact; a NULL amount is unknown."""
    return IncomeFacts(
        row.person_id,
        row.income_year,
        _amount(row.taxable_income),
        _amount(row.gross_income),
        _amount(row.kyu_tadashigaki_income),
        bool(row.non_taxed),
        _amount(row.public_pension_income),
        _amount(row.total_income),
    )


def _amount(value: Any) -> int | None:
    return None if value is None else int(value)


class BurdenRepository:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    def record_incomes(self, facts: Sequence[IncomeFacts], source: str) -> int:
        """Insert or replace the facts of (person_id, income_year) in one statement (sent in batches by the driver);
        of two facts of the same person and year in `facts`, the later one is kept. Returns how many were kept."""
        now = utcnow()
        latest = {(f.person_id, f.income_year): f for f in facts}
        values = [
            {
                "person_id": f.person_id,
                "income_year": f.income_year,
                **{c: getattr(f, c) for c in INCOME_COLUMNS},
                "source": source,
                "recorded_at": now,
            }
            for f in latest.values()
        ]
        if not values:
            return 0
        if self.conn.dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        stmt = insert(income_facts)
        stmt = stmt.on_conflict_do_update(
            index_elements=[income_facts.c.person_id, income_facts.c.income_year],
            set_={c: getattr(stmt.excluded, c) for c in (*INCOME_COLUMNS, "source", "recorded_at")},
        )
        self.conn.execute(stmt, values)
        return len(values)

    def facts(
        self,
        day: dt.date,
        year: int,
        first: str,
        last: str,
        elders_born: tuple[dt.date, dt.date] | None = None,
        *,
        only: Sequence[str] = (),
    ) -> BurdenFacts:
        """The burden facts and `year` incomes of the households in [first, last] on `day`, in one statement; with
        `elders_born`, only the households with a member born in that range who is qualified on `day`; with
        `only` (and no `elders_born`), those households instead of a range.

        insured = a current version qualified in law on the day; 特定同一世帯所属者 = a current status holding on
        the day; heads counted even when not insured (`household_member`)."""
        chosen = (
            db.one_of(self.conn, persons.c.household_id, list(only))
            if only and elders_born is None
            else persons.c.household_id.between(first, last)
        )
        where = [chosen, persons.c.birth_date <= day]
        if elders_born is not None:
            # The households of the range with a member born in `elders_born`; whether that member is qualified on
            # `day` is the `insured` read for every member below (by ix_periods_person_current), and the others are
            # left out after reading: a join to the periods here read every period of the city for each chunk.
            k = persons.alias("k")
            keys = sa.select(k.c.household_id).where(
                k.c.household_id.between(first, last), k.c.birth_date.between(*elders_born)
            )
            where.append(persons.c.household_id.in_(keys))
        insured = sa.exists().where(periods.c.person_id == persons.c.person_id, qualified(day))
        specific = sa.exists().where(
            status_periods.c.person_id == persons.c.person_id, active(day, SPECIFIC_SAME_HOUSEHOLD)
        )
        i = income_facts
        query = (
            sa.select(
                persons.c.person_id,
                persons.c.household_id,
                persons.c.birth_date,
                households.c.head_person_id,
                insured.label("insured"),
                specific.label("specific"),
                i.c.income_year,
                *(i.c[c] for c in INCOME_COLUMNS),
            )
            .select_from(persons)
            .outerjoin(households, households.c.household_id == persons.c.household_id)
            .outerjoin(i, sa.and_(i.c.person_id == persons.c.person_id, i.c.income_year == year))
            .where(*where)
            .order_by(persons.c.household_id, persons.c.listing_order, persons.c.person_id)
        )
        facts = BurdenFacts()
        members, incomes = facts.members, facts.incomes
        # Plain tuples, in the order selected: a chunk of the 8/1 batch reads some 20,000 of them.
        for pid, hid, birth, head, is_insured, is_specific, income_year, *amounts in self.conn.execute(query).tuples():
            member = household_member(
                pid, birth, insured=bool(is_insured), head=head == pid, specific=bool(is_specific)
            )
            if member is not None:
                if hid in members:
                    members[hid].append(member)
                else:
                    members[hid] = [member]
            if income_year is not None:
                taxable, gross, kyu, non_taxed, pension, total = amounts
                incomes[pid] = IncomeFacts(
                    pid,
                    income_year,
                    None if taxable is None else int(taxable),
                    None if gross is None else int(gross),
                    None if kyu is None else int(kyu),
                    bool(non_taxed),
                    None if pension is None else int(pension),
                    None if total is None else int(total),
                )
        if elders_born is not None:
            low, high = elders_born
            for hid in [
                h for h, ms in members.items() if not any(m.insured and low <= m.birth_date <= high for m in ms)
            ]:
                del members[hid]
        return facts

    def latest(self, first: str, last: str) -> dict[str, tuple[Any, ...]]:
        """(ratio_percent, limit_category, pending, income_year) of the last stored determination of each household."""
        t = burden_determinations
        newest = (
            sa.select(sa.func.max(t.c.seq).label("seq"))
            .where(t.c.household_id.between(first, last))
            .group_by(t.c.household_id)
            .subquery()
        )
        rows = self.conn.execute(
            sa.select(t.c.household_id, t.c.ratio_percent, t.c.limit_category, t.c.pending, t.c.income_year).join(
                newest, newest.c.seq == t.c.seq
            )
        )
        return {r.household_id: (r.ratio_percent, r.limit_category, bool(r.pending), r.income_year) for r in rows}

    def add_determinations(self, rows: list[dict[str, Any]]) -> None:
        bulk.insert(self.conn, burden_determinations, rows)

    def share_explanations(self, texts: dict[str, str]) -> None:
        """Keep the shared explanations (digest -> JSON text) not kept yet. Content-addressed: a digest's text never
        changes, so one kept by a chunk that later fails is harmless. On PostgreSQL they go in a short transaction
        of their own (another connection, committed at once, digests in order): two workers deciding people born
        on the same days then never wait for each other's whole chunk on these rows."""
        if not texts:
            return
        if self.conn.dialect.name != "postgresql":
            _insert_missing(self.conn, texts)  # SQLite: one writer at a time, the chunk's own transaction
            return
        with self.conn.engine.connect() as other, other.begin():
            _insert_missing(other, texts)

    def explanations(self, digests: set[str]) -> dict[str, str]:
        t = burden_explanations
        found: dict[str, str] = {}
        for ids in db.id_slices(self.conn, sorted(digests)):
            found.update(
                self.conn.execute(sa.select(t.c.digest, t.c.body).where(db.one_of(self.conn, t.c.digest, ids))).all()
            )
        return found

    def resolved(self, rows: list) -> list:
        """Stored determinations with their result as answered: shared explanations put back (resolve_result)."""
        refs = set().union(*(explanation_refs(r.result) for r in rows)) if rows else set()
        if not refs:
            return rows
        texts = self.explanations(refs)
        return [SimpleNamespace(**{**r._mapping, "result": resolve_result(r.result, texts)}) for r in rows]

    def of_job(self, job_id: str, page: paging.Page, *, households: set[str] | None = None) -> tuple[list, str]:
        """A page of the determinations a job stored, by household (one each); only `households` when given."""
        t = burden_determinations
        query = sa.select(t).where(t.c.job_id == job_id)
        if households is not None:
            query = query.where(t.c.household_id.in_(sorted(households)))
        found, cursor = paging.keyset(self.conn, query, t.c.household_id, page)
        return self.resolved(found), cursor

    def of_household(self, household_id: str, page: paging.Page) -> tuple[list, str]:
        """A page of the household's stored determinations, newest first, their results resolved."""
        t = burden_determinations
        query = sa.select(t).where(t.c.household_id == household_id)
        found, cursor = paging.keyset(self.conn, query, t.c.seq, page, newest_first=True)
        return self.resolved(found), cursor

    def job_summary(self, job_id: str) -> dict[str, int]:
        """How many determinations a job stored, how many changed a share or category, how many are pending."""
        t = burden_determinations
        stored, changed, pending = self.conn.execute(
            sa.select(
                sa.func.count(),
                sa.func.coalesce(sa.func.sum(sa.case((t.c.changed, 1), else_=0)), 0),
                sa.func.coalesce(sa.func.sum(sa.case((t.c.pending, 1), else_=0)), 0),
            ).where(t.c.job_id == job_id)
        ).one()
        return {"stored": int(stored), "changed": int(changed), "pending": int(pending)}

    def elder_households(self, day: dt.date, elders_born: tuple[dt.date, dt.date]) -> Iterator[str]:
        """The households with a member born in `elders_born` and qualified on `day`, in order, streamed."""
        query = (
            sa.select(persons.c.household_id)
            .distinct()
            .join(periods, periods.c.person_id == persons.c.person_id)
            .where(persons.c.birth_date.between(*elders_born), qualified(day))
            .order_by(persons.c.household_id)
        )
        for (household_id,) in self.conn.execute(query.execution_options(yield_per=5000)):
            yield household_id


def _insert_missing(conn: sa.Connection, texts: dict[str, str]) -> None:
    """Ask which digests are kept (an array of short strings), then insert the others in digest order."""
    t = burden_explanations
    have: set[str] = set()
    for ids in db.id_slices(conn, sorted(texts)):
        have.update(conn.execute(sa.select(t.c.digest).where(db.one_of(conn, t.c.digest, ids))).scalars())
    missing = [{"digest": d, "body": texts[d]} for d in sorted(texts) if d not in have]
    if not missing:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    conn.execute(insert(t).on_conflict_do_nothing(index_elements=[t.c.digest]), missing)
