"""The words the screens use for the fields of records: the household editor shows them beside its
fields, the conflicts view (sync) and the record of who did what (issue 17) name a field with the same words.

English message ids (``N_``), shown through ``_()``. Imports nothing of the window and of the core only the
rules' closed lists (their codes and labels).
"""

from __future__ import annotations

from xinjie_desktop.core.rules import (
    dangerous_house,
    funds,
    housing_plan,
    identification,
    membership,
    permissions,
    relocation,
    vocabulary,
    work_teams,
)
from xinjie_desktop.core.rules.idnumber import SEX_LABELS
from xinjie_desktop.i18n import N_, _

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

FIELD_LABELS: dict[str, dict[str, str]] = {
    "household": HOUSEHOLD_LABELS,
    "member": MEMBER_LABELS,
    "income_worksheet": {**dict(INCOME_FIELDS), "year": N_("Year")},
    "workflow_step": {
        "done_on": N_("Date"),
        "done_by": N_("Done by"),
        "passed": N_("Result"),
        "notes": N_("Notes"),
        "is_omission": N_("An omitted household (missed by an earlier identification)"),
        "omission_reason": N_("Why it was missed"),
        "notice_place": N_("Where posted"),
        "notice_end": N_("Posted"),
    },
    "relocation_verification": {
        "in_scope": N_("The household is in relocation scope"),
        "area_category": N_("Category of area"),
        "area_reason": N_("Why it must move"),
        "exclusion": N_("Taken out of scope"),
        "exclusion_reason": N_("Reason taken out"),
        "mode": N_("Resettlement mode"),
        "site": N_("Site"),
        "building_mode": N_("Building mode"),
        "latitude": N_("Residential point"),
        "longitude": N_("Residential point"),
        "notice_start": N_("Posted"),
        "notice_end": N_("Posted"),
        "notice_place": N_("Where posted"),
        "objections": N_("Objections"),
        "reverification": N_("Re-verification"),
        "submitted_on": N_("Submitted to the command centre"),
        **dict(relocation.SIGNERS),
        **{f"{name}_signed_on": label for name, label in relocation.SIGNERS},
    },
    "demolition_acceptance": {
        "old_certificate_returned": N_("Old homestead certificate taken back"),
        "new_certificate_number": N_("Number of the new homestead certificate"),
    },
    "notice_objection": {
        "reverification": N_("Re-verification"),
        "resolved_on": N_("Re-verified on"),
    },
    "housing_plan": {  # a plan's inputs (the calculator's words) and its co-ownership choice
        "people": N_("Actual population"),
        "kind": N_("Kind of household"),
        "labour": N_("Has labour capacity"),
        "start_date": N_("Construction started"),
        "unit_cost": N_("Building cost per m²"),
        "layout": N_("Layout (m²)"),
        "built_area": N_("Area built"),
        "own_funds": N_("Own funds planned"),
        "loan": N_("Loan already drawn"),
        "demolition_signed": N_("Demolition agreement"),
        "zone": N_("Homestead zone"),
        "land": N_("Homestead land type"),
        "homestead_area": N_("Homestead area"),
        "chosen_option": N_("Co-ownership"),
        "co_investor": N_("Co-investor"),
    },
}
# Fields every record has, and the links most records have: named alike in every table.
COMMON_LABELS: dict[str, str] = {
    "created_at": N_("Created"),
    "updated_at": N_("Last changed"),
    "device_id": N_("Computer"),
    "household_id": N_("Household"),
    "village_id": N_("Village"),
    "group_id": N_("Villager group"),
}

# The other records' fields, as the record of who did what (issue 17) and the conflicts view name them.
OTHER_LABELS: dict[str, dict[str, str]] = {
    "fund": {
        "source": N_("Source of funds"),
        "name": N_("Name"),
        "plan_document": N_("Plan document number"),
        "fund_document": N_("Fund document number"),
        "arrived_on": N_("Arrived on"),
        "amount": N_("Amount"),
        "account": N_("Account"),
        "use": N_("Use"),
        "units": N_("Units that use it"),
        "paperwork_done_on": N_("Paperwork done on"),
        "replaced_on": N_("Loan replaced on"),
        "note": N_("Note"),
    },
    "fund_check": {
        "kind": N_("Kind of check"),
        "held_on": N_("Held on"),
        "checked_by": N_("Checked by"),
        "looked_at": N_("What was looked at"),
        "summary": N_("Summary"),
    },
    "fund_finding": {
        "check_id": N_("Check"),
        "fund_id": N_("Fund"),
        "description": N_("Problem found"),
        "major": N_("Major problem"),
        "found_at": N_("Found at"),
        "reported_at": N_("Reported to the command centre at"),
        "rectification": N_("Rectification"),
        "rectified_on": N_("Rectified on"),
    },
    "fund_payment": {
        "fund_id": N_("Fund"),
        "agreement_id": N_("Agreement"),
        "tranche": N_("Tranche"),
        "paid_on": N_("Paid on"),
        "amount": N_("Amount"),
        "acknowledgement": N_("Acknowledged"),
        "acknowledged_on": N_("Acknowledged on"),
        "acknowledged_by": N_("Acknowledged by"),
        "acknowledgement_sha256": N_("Fingerprint of the acknowledgement"),
        "note": N_("Note"),
    },
    "helper_pairing": {
        "member_id": N_("Team member"),
        "start_on": N_("From"),
        "end_on": N_("Until"),
    },
    "team_check": {
        "checked_on": N_("Checked on"),
        "kind": N_("Kind of check"),
        "checker": N_("Checked by"),
        "member_id": N_("Team member"),
        "result": N_("Result"),
        "findings": N_("Findings"),
        "follow_up": N_("Follow-up"),
        "follow_up_done_on": N_("Followed up on"),
        "talked_to": N_("Talked to (约谈)"),
    },
    "team_meeting": {
        "kind": N_("Kind of meeting"),
        "held_on": N_("Held on"),
        "attendees": N_("Who came"),
        "minutes": N_("Minutes"),
        "decisions": N_("Decisions"),
    },
    "team_member": {
        "name": N_("Name"),
        "unit": N_("Unit"),
        "role": N_("Role in the team"),
        "telephone": N_("Telephone"),
        "arrived_on": N_("Arrived in the village"),
        "left_on": N_("Left the village"),
        "account_name": N_("Login name"),
    },
    "team_milestone": {
        "task": N_("Task"),
        "done_on": N_("Done on"),
        "evidence": N_("What shows it"),
    },
    "team_visit": {
        "visited_on": N_("Visited on"),
        "kind": N_("Kind of visit"),
        "member_ids": N_("Members seen"),
        "done": N_("What was done"),
        "promises": N_("Promises made"),
    },
    "team_visit_photo": {
        "visit_id": N_("Visit"),
        "filename": N_("File name"),
        "sha256": N_("Fingerprint (SHA-256)"),
    },
    "weekly_report": {
        "week_start": N_("Week of"),
        "text": N_("Report"),
        "sent_on": N_("Sent on"),
    },
    "weekly_report_photo": {
        "report_id": N_("Weekly report"),
        "filename": N_("File name"),
        "sha256": N_("Fingerprint (SHA-256)"),
    },
    "member": {
        "position": N_("Place in the household list"),
    },
    "workflow_step": {
        "step": N_("Identification step"),
        "ordinal": N_("Order of the step"),
    },
    "accounts": {
        "name": N_("Login name"),
        "display_name": N_("Name"),
        "role": N_("Role"),
        "villages": N_("Villages"),
        "may_sign": N_("May sign agreements for the township"),
        "password_hash": N_("Password (hashed)"),
        "locked": N_("Locked"),
        "made_by": N_("Made by"),
        "countersigned": N_("Countersigned by the township"),
        "public_key": N_("Public key"),
        "encrypted_private_key": N_("Private key (encrypted)"),
    },
    "agreement": {
        "kind": N_("Kind of agreement"),
        "number": N_("Agreement number"),
        "version": N_("Version"),
        "supersedes_id": N_("Replaces version"),
        "status": N_("Status"),
        "template_version": N_("Template version"),
        "content": N_("Content"),
        "content_sha256": N_("Fingerprint of the content"),
        "demolition_deadline": N_("Demolition deadline"),
        "signing_method": N_("Signing method"),
        "signed_on": N_("Signed on"),
        "fingerprint": N_("Fingerprint"),
        "scan_sha256": N_("Fingerprint of the scan"),
        "signed_pdf_sha256": N_("Fingerprint of the signed PDF"),
        "voided_on": N_("Voided on"),
        "void_reason": N_("Why it was voided"),
    },
    "agreement_signature": {
        "agreement_id": N_("Agreement"),
        "role": N_("Signs as"),
        "signer_name": N_("Signer"),
        "image_sha256": N_("Fingerprint of the signature"),
    },
    "attachment": {
        "purpose": N_("Purpose"),
        "filename": N_("File name"),
        "sha256": N_("Fingerprint (SHA-256)"),
        "note": N_("Note"),
    },
    "dangerous_house": {
        "grade": N_("Danger grade"),
        "appraiser": N_("Appraiser"),
        "appraised_on": N_("Appraised on"),
        "rebuild": N_("To be rebuilt"),
        "inputs": N_("Appraisal details"),
    },
    "demolition_acceptance": {
        "agreement_id": N_("Agreement"),
        "accepted_on": N_("Accepted on"),
        "demolished_on": N_("Demolished on"),
        "inspector": N_("Inspector"),
        "photo_sha256": N_("Fingerprint of the photo"),
        "reclamation": N_("Land reclaimed"),
    },
    "housing_plan": {
        "parameters_version": N_("Policy parameters"),
        "inputs": N_("Plan inputs"),
        "results": N_("Plan results"),
        "compliant": N_("Within the limits"),
        "note": N_("Note"),
    },
    "notice_objection": {
        "notice_id": N_("Notice"),
        "raised_on": N_("Raised on"),
        "raised_by": N_("Raised by"),
        "content": N_("Content"),
    },
    "objection": {
        "raised_on": N_("Raised on"),
        "raised_by": N_("Raised by"),
        "content": N_("Content"),
        "resolution": N_("Resolution"),
        "resolved_on": N_("Resolved on"),
    },
    "public_notice": {
        "subject": N_("Subject"),
        "posting_round": N_("Posting round"),
        "previous_id": N_("Earlier posting"),
        "audited_on": N_("Audited on"),
        "place": N_("Where posted"),
        "start_date": N_("Posted from"),
        "end_date": N_("Posted until"),
        "objection_contact": N_("Contact for objections"),
        "entries": N_("Households listed"),
    },
    "township": {
        "name": N_("Name"),
        "command_centre": N_("Command centre"),
        "representative": N_("Township representative"),
        "is_demo": N_("Demo data"),
    },
    "village": {
        "township_id": N_("Township"),
        "name": N_("Name"),
    },
    "villager_group": {
        "name": N_("Name"),
    },
}
WHOLE_RECORD = N_("the whole record")

# Fields holding a code of a closed list: shown (and chosen) by their label.
CHOICES: dict[tuple[str, str], dict[str, str]] = {
    ("household", "attribute"): vocabulary.ATTRIBUTES,
    ("household", "main_cause"): vocabulary.CAUSES,
    ("household", "identification_standard"): vocabulary.IDENTIFICATION_STANDARDS,
    ("member", "relation"): vocabulary.RELATIONS,
    ("member", "education"): vocabulary.EDUCATION,
    ("member", "health"): vocabulary.HEALTH,
    ("member", "labour"): vocabulary.LABOUR,
    ("member", "schooling"): vocabulary.SCHOOLING,
    ("member", "ethnicity"): vocabulary.ETHNICITIES,
    ("member", "membership_basis"): membership.BASES,
    ("member", "sex"): SEX_LABELS,
    ("housing_plan", "kind"): housing_plan.KINDS,
    ("housing_plan", "zone"): housing_plan.ZONE_LABELS,
    ("housing_plan", "land"): housing_plan.LAND_LABELS,
    ("housing_plan", "chosen_option"): housing_plan.OPTION_LABELS,
    ("relocation_verification", "exclusion"): relocation.EXCLUSIONS,
    ("relocation_verification", "mode"): relocation.MODES,
    ("relocation_verification", "building_mode"): relocation.BUILDING_MODES,
    ("workflow_step", "step"): identification.STATE_LABELS,
    ("dangerous_house", "grade"): dangerous_house.GRADES,
    ("team_visit", "kind"): work_teams.VISIT_KINDS,
    ("team_meeting", "kind"): work_teams.MEETING_KINDS,
    ("team_check", "kind"): work_teams.CHECK_KINDS,
    ("team_check", "result"): work_teams.CHECK_RESULTS,
    ("team_member", "role"): work_teams.MEMBER_ROLES,
    ("team_milestone", "task"): work_teams.TASK_LABELS,
    ("fund", "source"): funds.SOURCES,
    ("fund_payment", "tranche"): funds.TRANCHES,
    ("fund_check", "kind"): funds.CHECK_KINDS,
    ("accounts", "role"): {role.value: label for role, label in permissions.ROLE_LABELS.items()},
}
MONEY_FIELDS = {("income_worksheet", name) for name, _label in INCOME_FIELDS} | {  # stored in fen
    ("fund", "amount"),
    ("fund_payment", "amount"),
}


def field_label(table: str, name: str) -> str:
    if name == "*":
        return _(WHOLE_RECORD)
    label = FIELD_LABELS.get(table, {}).get(name) or OTHER_LABELS.get(table, {}).get(name) or COMMON_LABELS.get(name)
    return _(label) if label else name
