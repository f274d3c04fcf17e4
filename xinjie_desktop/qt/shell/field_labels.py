"""The words the screens use for a household's fields: the household editor shows them beside its
fields, the conflicts view (sync) names the field two computers changed with the same words.

English message ids (``N_``), shown through ``_()``. Imports nothing but the message marker.
"""

from __future__ import annotations

from xinjie_desktop.i18n import N_

INCOME_FIELDS: list[tuple[str, str]] = [
    ("wage", N_("Wage income")),
    ("business", N_("Household business income")),
    ("property_income", N_("Property income")),
    ("transfer", N_("Transfer income")),
    ("production_costs", N_("Production costs")),
]

HOUSEHOLD_LABELS: dict[str, str] = {
    "group_id": N_("Village and group"),
    "address": N_("Address"),
    "phone": N_("Phone"),
    "labour_willing": N_("Willing to work"),
    "national_number": N_("Number in the national system"),
    "system_population": N_("System population"),
    "attribute": N_("Household attribute"),
    "main_cause": N_("Main cause of poverty"),
    "secondary_causes": N_("Other causes"),
    "identification_standard": N_("Identification standard"),
    "exited": N_("Exited poverty"),
    "exit_year": N_("Exit year"),
    "helper_cadre": N_("Helping cadre"),
    "reconciliation_note": N_("Reconciliation"),
    "moved_to_shop_or_row_house": N_("Shop house or row house"),
    "recheck_outcome": N_("Re-check outcome"),
    "members": N_("Members"),
}

MEMBER_LABELS: dict[str, str] = {
    "name": N_("Name"),
    "id_number": N_("ID number"),
    "relation": N_("Relation to head"),
    "sex": N_("Sex"),
    "birth_date": N_("Birth date"),
    "ethnicity": N_("Ethnicity"),
    "education": N_("Education"),
    "health": N_("Health"),
    "labour": N_("Labour capacity"),
    "schooling": N_("Schooling"),
    "membership_basis": N_("Membership basis"),
    "dibao": N_("Dibao"),
    "registered": N_("Registered"),
}
