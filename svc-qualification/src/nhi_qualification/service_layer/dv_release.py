"""Rule DV, the end of the restriction: once a dv_support status has ended and no member of the household is under
a DV support measure any more, subscribers hear it (nhi.v1.qualification.address_released) once per status."""

from __future__ import annotations

from nhi_common.plumbing import utcnow

from ..domain.events import AddressReleased
from . import people
from .app import App
from .context import Actor


def announce_ended(app: App, actor: Actor) -> dict[str, int]:
    """Announce the end of every dv_support status ended before the business date, for households no longer under
    DV on it; a household still under DV (another member, the registry's flag) waits for its own end. Each status
    is announced once, so a daily run that is repeated or missed a day does the right thing."""
    day = app.today(actor)
    announced = waiting = 0
    with app.uow() as uow:
        for ended in uow.statuses.dv_ended_unannounced(day):
            person = uow.persons.get(ended.person_id)
            if person is None:
                continue
            household_id = person.household_id
            if people.household_dv(uow, household_id, day):
                waiting += 1
                continue
            uow.emit(
                AddressReleased(
                    household_id=household_id,
                    person_ids=tuple(m.person_id for m in uow.persons.members(household_id)),
                    dv_person_id=ended.person_id,
                    status_id=ended.status_id,
                    status_end=ended.end,
                    business_date=day,
                    operator_id=actor.operator_id,
                )
            )
            uow.statuses.record_release(ended.status_id, household_id, day, utcnow())
            announced += 1
        uow.commit()
    return {"announced": announced, "still_withheld": waiting}
