"""A C/D-grade dangerous house's appraisal kept with the household (SB-3; the rule: ``rules.dangerous_house``)."""

from __future__ import annotations

import json

from xinjie_desktop.core.rules.dangerous_house import DangerousHouseError, DangerousHouseInput, assess
from xinjie_desktop.core.rules.policy_params import PolicyParameters
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import DangerousHouse, Household
from xinjie_desktop.i18n import _


def record(store: Store, household_id: str, house: DangerousHouseInput, params: PolicyParameters) -> str:
    """Keep the appraisal with the household (after checking it); returns the record's id."""
    assess(house, params)
    figures = {
        "people": house.people,
        "start_date": house.start_date.isoformat() if house.start_date else None,
        "unit_cost": str(house.unit_cost) if house.unit_cost is not None else None,
        "area": str(house.area) if house.area is not None else None,
        "own_funds": str(house.own_funds),
        "loan": str(house.loan),
    }
    with store.unit_of_work() as session:
        if session.get(Household, household_id) is None:
            raise DangerousHouseError(_("This household no longer exists in the store."))
        entry = DangerousHouse(
            household_id=household_id,
            grade=house.grade,
            appraiser=house.appraiser.strip(),
            appraised_on=house.appraised_on,
            rebuild=house.rebuild,
            inputs=json.dumps(figures, sort_keys=True),
        )
        session.add(entry)
        session.flush()
        return entry.id
