"""The agreements signed with every relocation household (AG-1, HS-4, SB-1, SB-2; issue 4).

Three agreements for every household — relocation (搬迁协议), move into the new and demolish the
old (搬新拆旧协议, with the date by which the old house goes) and poverty-exit employment
(脱贫就业协议) — and the co-ownership agreement (产权共有协议) where the household's saved housing
plan chose way ① (direct relatives) or ② (district company) of HS-4 (2).

An agreement is drafted from the household, its actual members, its latest saved housing plan
(figures recalculated under the plan's own parameter version) and the township's command centre
and representative.  Every filled-in field goes into ``content`` as canonical JSON, and
``content_sha256`` is the SHA-256 of exactly that text; number and hash are printed on every
page with a QR code, and put into the PDF's metadata.  ``verify`` takes the number (printed, or
from the metadata) only to find the agreement, and then checks what the PDF shows: byte for byte
a PDF the store holds or prints for it, or else the differences between the text on its pages and
the stored agreement's, named one by one.  Signing (on screen, with the signatures stamped into the PDF that is then stored with
its SHA-256; or on paper, with the scan and the fingerprint noted) freezes the agreement: a
correction voids it with the reason and drafts the next version, and both are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import functools
import hashlib
import io
import json
import logging
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import agreement_pdf, agreement_templates
from xinjie_desktop.core.documents.fonts import document_font
from xinjie_desktop.core.records import access, form_saving
from xinjie_desktop.core.records import dangerous_house as dangerous_records
from xinjie_desktop.core.records.attachments import AttachmentError, put_blob, read_file
from xinjie_desktop.core.records.housing_plans import SavedPlan, input_from_json, planned_people
from xinjie_desktop.core.rules import membership
from xinjie_desktop.core.rules.household_money import HouseholdMoney, household_money
from xinjie_desktop.core.rules.housing_plan import (
    DISTRICT_COMPANY,
    OPTION_LABELS,
    RELATIVES,
    PlanInputError,
)
from xinjie_desktop.core.rules.housing_plan import (
    KINDS as HOUSEHOLD_KINDS,
)
from xinjie_desktop.core.rules.identification import in_national_system
from xinjie_desktop.core.rules.money import format_yuan
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.rules.policy_params import PolicyFileError, current
from xinjie_desktop.core.rules.vocabulary import LABOUR_CAPABLE, RELATIONS
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Agreement,
    AgreementError,
    AgreementSignature,
    Blob,
    Household,
    LocalSetting,
    Member,
    SavedHousingPlan,
    Township,
    Village,
    VillagerGroup,
)
from xinjie_desktop.i18n import N_, _, join, language, set_language

__all__ = [
    "KINDS",
    "ROLES",
    "AgreementError",
    "AgreementInfo",
    "Difference",
    "Employment",
    "Verification",
    "amounts",
    "applicable_kinds",
    "canonical",
    "copy_bytes",
    "content_of",
    "current_agreements",
    "describe_stale",
    "draft",
    "draft_missing",
    "edit",
    "render_pdf",
    "render_village",
    "sign_on_paper",
    "sign_on_screen",
    "stale_fields",
    "verify",
    "versions",
    "void",
]

RELOCATION, DEMOLITION, EMPLOYMENT, CO_OWNERSHIP = "relocation", "demolition", "employment", "co_ownership"
DANGEROUS_HOUSE = "dangerous_house"  # SB-3: the district company takes over a D-grade rebuild's loan
KINDS = {
    RELOCATION: N_("relocation agreement"),
    DEMOLITION: N_("move-into-the-new, demolish-the-old agreement"),
    EMPLOYMENT: N_("poverty-exit employment agreement"),
    CO_OWNERSHIP: N_("co-ownership agreement"),
    DANGEROUS_HOUSE: N_("co-ownership agreement for a rebuilt dangerous house"),
}
CODES = {RELOCATION: "BQ", DEMOLITION: "CJ", EMPLOYMENT: "JY", CO_OWNERSHIP: "GY", DANGEROUS_HOUSE: "WF"}  # 危房
CO_INVESTED = (CO_OWNERSHIP, DANGEROUS_HOUSE)  # signed by a co-investor too
CO_OWNERSHIP_OPTIONS = (RELATIVES, DISTRICT_COMPANY)  # HS-4 (2) ① and ②
DRAFT, SIGNED, VOIDED = "draft", "signed", "voided"
STATUSES = {DRAFT: N_("draft"), SIGNED: N_("signed"), VOIDED: N_("voided")}
ROLES = {
    "household_head": N_("head of household"),
    "representative": N_("command-centre representative"),
    "witness": N_("witness"),
    "co_investor": N_("co-investor"),
}
REQUIRED_ROLES = ("household_head", "representative", "witness")
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
NUMBER_PATTERN = re.compile(r"XJ-\d{4}-[0-9A-F]{4}-\d{6}-(?:BQ|CJ|JY|GY|WF)-v\d+")
HASH_PATTERN = re.compile(r"\b[0-9a-f]{64}\b")
_SERIAL_KEY = "agreement_serial"


@dataclass(frozen=True)
class Employment:
    """The employment commitments of the poverty-exit employment agreement; empty texts print the
    template's default wording, ``workers`` None means the household's actual members whose recorded labour
    capacity lets them work (none if none can)."""

    workers: int | None = None
    training: str = ""
    placement: str = ""
    exit_target: str = ""


@dataclass(frozen=True)
class AgreementInfo:
    id: str
    household_id: str
    kind: str
    number: str
    version: int
    status: str
    content_sha256: str
    template_version: str
    demolition_deadline: dt.date | None
    signing_method: str
    signed_on: dt.date | None
    fingerprint: bool
    scan_sha256: str | None
    signed_pdf_sha256: str | None
    voided_on: dt.date | None
    void_reason: str
    supersedes_id: str | None

    @property
    def label(self) -> str:
        return _(KINDS[self.kind])


def canonical(content: dict) -> str:
    """The one text of ``content`` that is hashed: sorted keys, no spaces, UTF-8 characters kept."""
    return json.dumps(content, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _info(record: Agreement) -> AgreementInfo:
    return AgreementInfo(
        record.id,
        record.household_id,
        record.kind,
        record.number,
        record.version,
        record.status,
        record.content_sha256,
        record.template_version,
        record.demolition_deadline,
        record.signing_method,
        record.signed_on,
        record.fingerprint,
        record.scan_sha256,
        record.signed_pdf_sha256,
        record.voided_on,
        record.void_reason,
        record.supersedes_id,
    )


# ---------------------------------------------------------------------------------------------
# Filling in


def _number(value) -> str | None:
    """A figure of the saved plan as a plain decimal text (JSON numbers may be int or float)."""
    if value is None:
        return None
    return str(Decimal(str(value)))


def _amount(value) -> str | None:
    if value is None:
        return None
    return str(Decimal(str(value)).quantize(Decimal("0.01")))


def _latest_plan(session: Session, household_id: str) -> SavedPlan | None:
    record = session.scalars(
        select(SavedHousingPlan)
        .where(SavedHousingPlan.household_id == household_id)
        .order_by(SavedHousingPlan.created_at.desc(), SavedHousingPlan.id)
    ).first()
    if record is None:
        return None
    return SavedPlan(
        record.id,
        record.created_at,
        record.parameters_version,
        input_from_json(record.inputs),
        json.loads(record.results),
        record.compliant,
        record.chosen_option,
        record.co_investor,
        record.note,
    )


def _co_ownership_refusal(plan: SavedPlan | None) -> str | None:
    if plan is None:
        return _(
            "A co-ownership agreement needs a saved housing plan that chose way ① or ② of HS-4; "
            "this household has no saved plan."
        )
    if plan.chosen_option not in CO_OWNERSHIP_OPTIONS:
        return _(
            "A co-ownership agreement is made only where the saved housing plan chose way ① (direct "
            "relatives) or ② (district company) of HS-4; the latest saved plan of this household chose "
            "neither."
        )
    return None


def content_of(
    session: Session,
    household_id: str,
    kind: str,
    *,
    demolition_deadline: dt.date | None,
    employment: Employment | None,
    today: dt.date,
) -> dict:
    """Every field the ``kind`` agreement of the household fills in, as stored (and hashed)."""
    if kind not in KINDS:
        raise AgreementError(_("Unknown kind of agreement: {kind}.").format(kind=kind))
    household = session.get(Household, household_id)
    if household is None:
        raise AgreementError(_("This household no longer exists in the store."))
    township = session.scalar(select(Township))
    group = session.get(VillagerGroup, household.group_id)
    village = session.get(Village, household.village_id)
    members = session.scalars(select(Member).where(Member.household_id == household_id).order_by(Member.position)).all()
    actual = [m for m in members if m.membership_basis in membership.INCLUDED]
    plan = _latest_plan(session, household_id)
    if kind == DANGEROUS_HOUSE:
        plan = None  # its figures come from the dangerous-house appraisal (SB-3), not from a housing plan
    elif plan is None and kind != EMPLOYMENT:
        raise AgreementError(
            _(
                "Save a housing plan for this household first: the agreement takes its figures "
                "from the latest saved plan."
            )
        )
    if plan is not None and kind != EMPLOYMENT and plan.plan.people != planned_people(actual):
        # Its areas per person would contradict the household printed beside them (HS-2: a plan for 2 people,
        # 4 living here).
        raise AgreementError(
            _(
                "The latest saved housing plan was worked out for {planned} people, but the household has {actual} "
                "now: open the plan in the calculator and save it again before drafting this agreement."
            ).format(planned=plan.plan.people, actual=len(actual))
        )
    if kind == CO_OWNERSHIP and (refusal := _co_ownership_refusal(plan)):
        raise AgreementError(refusal)
    money = _money(plan) if plan is not None else None
    if kind == DEMOLITION:
        if money is not None and not money.reward_assumed:
            raise AgreementError(
                _(
                    "The latest saved housing plan does not assume the demolition agreement signed and the old "
                    "house demolished on time, so it counts no reward (SB-1, SB-2): tick “Demolition agreement "
                    "signed” in the calculator and save the plan again before drafting this agreement."
                )
            )
        if demolition_deadline is None:
            raise AgreementError(_("Give the date by which the old house is demolished."))
        if demolition_deadline < today:
            raise AgreementError(
                _("The demolition deadline {date} is already past.").format(date=demolition_deadline.isoformat())
            )
    head = next((m for m in members if m.relation == "head"), members[0] if members else None)
    templates = agreement_templates.load()
    content: dict = {
        "kind": kind,
        "template_version": templates.version(kind),
        "drafted_on": today.isoformat(),
        "township": township.name if township else "",
        "command_centre": township.command_centre if township else "",
        "representative": township.representative if township else "",
        "household_id": household.id,
        "village": village.name if village else "",
        "group": group.name if group else "",
        "address": household.address,
        "head_name": head.name if head else household.head_name,
        "head_id_number": head.id_number if head else household.head_id_number,
        "members": [{"name": m.name, "relation": m.relation, "id_number": m.id_number} for m in actual],
        "actual_population": len(actual),
        # the plan's kind: the money printed beside it is the plan's (AG-1, SB-1, SB-2)
        "household_kind": money.kind if money is not None else _kind_of_records(household),
    }
    content.update(_plan_fields(plan, money))
    if kind == DEMOLITION and demolition_deadline is not None:  # a demolition agreement has one (checked above)
        content["demolition_deadline"] = demolition_deadline.isoformat()
    if kind == EMPLOYMENT:
        employment = employment or Employment()
        workers = employment.workers
        if workers is None:
            workers = sum(1 for m in actual if m.labour in LABOUR_CAPABLE)  # their real labour capacity
        if workers < 0:
            raise AgreementError(_("The number of members who take up work cannot be negative."))
        content.update(
            employment_workers=workers,
            employment_training=employment.training.strip(),
            employment_placement=employment.placement.strip(),
            exit_target=employment.exit_target.strip(),
        )
    if kind == DANGEROUS_HOUSE:
        content.update(_dangerous_house_fields(session, household_id))
    if kind == CO_OWNERSHIP and plan is not None and money is not None:  # only employment goes without a plan
        option = money.option
        if option is None:
            raise AgreementError(
                _(
                    "The saved plan has no figures for the co-ownership way it chose; "
                    "recalculate and save the plan again."
                )
            )
        content.update(
            co_option=plan.chosen_option,
            co_investor=plan.co_investor,
            investor_pays=_amount(option.investor_pays),
            household_pays=_amount(option.household_pays),
            others_pay=_amount(option.others_pay),
            investor_share=_number(option.investor_share),
            household_share=_number(option.household_share),
            buy_back_price=_amount(option.buy_back_price),
            conditions=option.conditions,
        )
    return content


def _dangerous_house_fields(session: Session, household_id: str) -> dict:
    """SB-3: the D-grade rebuild whose loan (drawn before the key date) the district company takes over."""
    reason = dangerous_records.refusal_in(session, household_id)
    if reason is not None:
        raise AgreementError(reason)
    appraisal = dangerous_records.latest_in(session, household_id)
    if appraisal is None or appraisal.result.loan_taken_over <= 0:
        raise AgreementError(
            _(
                "A co-ownership agreement for a dangerous house is made only where the district company "
                "takes over the loan of a D-grade rebuild started on or before the key date (SB-3); this "
                "household's appraisal has no such loan."
            )
        )
    house, result = appraisal.house, appraisal.result
    return {
        "grade": house.grade,
        "appraiser": house.appraiser,
        "appraised_on": house.appraised_on.isoformat(),
        "dangerous_subsidy": _amount(result.subsidy),
        "area_m2": _number(house.area),
        "building_cost": _amount(result.building_cost),
        "own_funds": _amount(house.own_funds),
        "loan_taken_over": _amount(result.loan_taken_over),
        "conditions": result.plan,
    }


def _kind_of_records(household: Household) -> str:
    return "registered" if in_national_system(household) else "synchronised"


def _money(plan: SavedPlan) -> HouseholdMoney:
    """The saved plan's money (core.rules.household_money), worked out again under the plan's own
    parameter version: the figures the plan summary of the same plan prints."""
    try:
        return household_money(plan.plan, current(plan.parameters_version), plan.chosen_option)
    except (PlanInputError, PolicyFileError) as error:
        raise AgreementError(_("The saved housing plan cannot be recalculated: {error}").format(error=error)) from None


def _plan_fields(plan: SavedPlan | None, money: HouseholdMoney | None) -> dict:
    if plan is None or money is None:
        return dict.fromkeys(
            (
                "plan_id",
                "parameters_version",
                "layout_m2",
                "area_m2",
                "per_capita_m2",
                "building_cost",
                "subsidy",
                "reward",
                "subsidy_and_reward",
                "own_funds",
                "own_funds_limit",
                "loan_taken_over",
            )
        )
    result = money.result
    return {
        "plan_id": plan.id,
        "parameters_version": plan.parameters_version,
        "layout_m2": _number(result.layout_m2),
        "area_m2": _number(result.area_m2),
        "per_capita_m2": _number(result.per_capita_m2),
        "building_cost": _amount(money.building_cost),
        "subsidy": _amount(money.subsidy),
        "reward": _amount(money.reward),
        "subsidy_and_reward": _amount(money.subsidy_and_reward),
        "own_funds": _amount(money.own_funds),
        "own_funds_limit": _amount(money.own_funds_limit),
        "loan_taken_over": _amount(money.loan_taken_over),
    }


# ---------------------------------------------------------------------------------------------
# Drafting, editing, signing, voiding


def _next_serial(session: Session, store: Store) -> int:
    setting = session.get(LocalSetting, _SERIAL_KEY)
    if setting is None:
        setting = LocalSetting(key=_SERIAL_KEY, value="0")
        session.add(setting)
    serial = int(setting.value) + 1
    setting.value = str(serial)
    return serial


def _number_base(session: Session, store: Store, household_id: str, today: dt.date) -> str:
    """All agreements of a household share one base, e.g. ``XJ-2017-3F2A-000123``: year, this laptop
    (so two laptops never hand out the same number) and a serial."""
    existing = session.scalar(
        select(Agreement.number).where(Agreement.household_id == household_id).order_by(Agreement.created_at).limit(1)
    )
    if existing:
        return existing.rsplit("-", 2)[0]
    device = re.sub(r"[^0-9A-F]", "", store.device_id.upper())[:4].rjust(4, "0")
    return f"XJ-{today.year}-{device}-{_next_serial(session, store):06d}"


def _open_of_kind(session: Session, household_id: str, kind: str) -> Agreement | None:
    return session.scalars(
        select(Agreement)
        .where(Agreement.household_id == household_id, Agreement.kind == kind, Agreement.status != VOIDED)
        .order_by(Agreement.version.desc())
    ).first()


def _set_content(record: Agreement, content: dict) -> None:
    text = canonical(content)
    record.content = text
    record.content_sha256 = sha256_text(text)
    record.template_version = content["template_version"]
    deadline = content.get("demolition_deadline")
    record.demolition_deadline = dt.date.fromisoformat(deadline) if deadline else None


def draft(
    store: Store,
    household_id: str,
    kind: str,
    *,
    demolition_deadline: dt.date | None = None,
    employment: Employment | None = None,
    today: dt.date,
) -> str:
    """Draft the household's ``kind`` agreement (version 1, or the next version); returns its id."""
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.DRAFT_AGREEMENT, household_id)
        content = content_of(
            session, household_id, kind, demolition_deadline=demolition_deadline, employment=employment, today=today
        )
        if _open_of_kind(session, household_id, kind) is not None:
            raise AgreementError(
                _(
                    "This household already has a {kind} that is not voided; edit the draft or void the signed one."
                ).format(kind=_(KINDS[kind]))
            )
        version = (
            session.scalar(
                select(func.max(Agreement.version)).where(
                    Agreement.household_id == household_id, Agreement.kind == kind
                )
            )
            or 0
        ) + 1
        base = _number_base(session, store, household_id, today)
        record = Agreement(
            household_id=household_id,
            kind=kind,
            number=f"{base}-{CODES[kind]}-v{version}",
            version=version,
            status=DRAFT,
        )
        _set_content(record, content)
        session.add(record)
        session.flush()
        return record.id


def _get(session: Session, agreement_id: str) -> Agreement:
    record = session.get(Agreement, agreement_id)
    if record is None:
        raise AgreementError(_("This agreement no longer exists in the store."))
    return record


def _refuse_if_changed(session: Session, store: Store, record: Agreement, expected: AgreementInfo | None) -> None:
    """AG-1, issue 13 case 1: the user acts on the agreement as they were shown it (``expected``); signed,
    voided or refilled in the store since (an import, a second window), it is not signed or voided unseen:
    refused, saying what happened, by whom and when; the user looks at it again and decides."""
    if expected is None:
        return
    if record.status != expected.status:
        by, at = form_saving.who_wrote(session, store, record, "status")
        message = (
            _("Agreement {number} was signed in the store since you opened it ({who}, {when}). Look at it again.")
            if record.status == SIGNED
            else _("Agreement {number} was voided in the store since you opened it ({who}, {when}). Look at it again.")
        )
        raise AgreementError(message.format(number=record.number, who=by, when=at))
    if (record.content_sha256, record.demolition_deadline) != (expected.content_sha256, expected.demolition_deadline):
        by, at = form_saving.who_wrote(session, store, record, "content")
        raise AgreementError(
            _(
                "Agreement {number} was changed in the store since you opened it ({who}, {when}). Preview it "
                "again: only what was shown is signed."
            ).format(number=record.number, who=by, when=at)
        )


def _refuse_unless_draft(record: Agreement) -> None:
    if record.status == SIGNED:
        raise AgreementError(
            _(
                "Agreement {number} is signed and can no longer be edited. Void it with the "
                "reason; the new version can be corrected and signed."
            ).format(number=record.number)
        )
    if record.status == VOIDED:
        raise AgreementError(
            _("Agreement {number} is voided and can no longer be edited.").format(number=record.number)
        )


def edit(
    store: Store,
    agreement_id: str,
    *,
    demolition_deadline: dt.date | None = None,
    employment: Employment | None = None,
    today: dt.date,
) -> str:
    """Fill a draft in again from the household and plan as they are now (after a correction), with a
    new deadline or employment commitments if given; a signed or voided agreement is refused."""
    with store.unit_of_work() as session:
        record = _get(session, agreement_id)
        access.require_household(store, session, Action.DRAFT_AGREEMENT, record.household_id)
        _refuse_unless_draft(record)
        content = _content_now(
            session, record, demolition_deadline=demolition_deadline, employment=employment, today=today
        )
        _set_content(record, content)
        return record.content_sha256


def _content_now(
    session: Session,
    record: Agreement,
    *,
    demolition_deadline: dt.date | None = None,
    employment: Employment | None = None,
    today: dt.date,
) -> dict:
    """The agreement's content filled in again from the household and plan as they are now, keeping
    what was agreed that the records do not hold (the demolition deadline, the employment commitments'
    words) unless new ones are given.  The members able to work are counted again from the household as
    it is now, as the first draft counts them (``content_of``): the records hold them."""
    old = json.loads(record.content)
    if demolition_deadline is None and old.get("demolition_deadline"):
        demolition_deadline = dt.date.fromisoformat(old["demolition_deadline"])
    if employment is None and record.kind == EMPLOYMENT:
        employment = Employment(
            None,
            old.get("employment_training", ""),
            old.get("employment_placement", ""),
            old.get("exit_target", ""),
        )
    return content_of(
        session,
        record.household_id,
        record.kind,
        demolition_deadline=demolition_deadline,
        employment=employment,
        today=today,
    )


# what filling in again changes on its own, not a change of the household's records
_NOT_RECORDS = frozenset({"drafted_on", "template_version"})
STALE_LABELS = {
    "address": N_("address"),
    "village": N_("village"),
    "group": N_("group"),
    "head_name": N_("head of household"),
    "head_id_number": N_("ID number of the head"),
    "members": N_("members"),
    "actual_population": N_("actual population"),
    "household_kind": N_("kind of household"),
    "command_centre": N_("command centre"),
    "representative": N_("representative"),
    "township": N_("township"),
    "plan_id": N_("saved housing plan"),
    "employment_workers": N_("members able to work"),
}


def stale_fields(store: Store, agreement_id: str) -> list[str]:
    """The fields of the agreement that the records, as they are now, would fill in otherwise: an
    empty list when the agreement still says what the store holds.  A change of the saved housing
    plan is named once (``plan_id`` and its figures)."""
    with store.session() as session:
        record = _get(session, agreement_id)
        old = json.loads(record.content)
        drafted = dt.date.fromisoformat(old["drafted_on"]) if old.get("drafted_on") else dt.date.today()
        try:
            now = _content_now(session, record, today=drafted)
        except AgreementError:
            return ["plan_id"]
    changed = sorted(key for key in set(old) | set(now) if key not in _NOT_RECORDS and old.get(key) != now.get(key))
    if "plan_id" in changed:
        changed = ["plan_id", *(key for key in changed if key in STALE_LABELS and key != "plan_id")]
    return changed


def describe_stale(fields: Sequence[str]) -> str:
    """The changed fields in words, e.g. "address, members"."""
    return _(", ").join(_(STALE_LABELS.get(field, field)) for field in fields)


def _prints(
    session: Session,
    records: Sequence[Agreement | _AsPrinted],
    lang: str,
    *,
    signatures: dict[str, dict[str, tuple[str, bytes]]] | None = None,
    status: dict[str, str] | None = None,
    office: bool = False,
) -> Iterator[agreement_pdf.AgreementPrint]:
    """What each record prints, made one at a time as the renderer reaches it (a village's batch
    never holds them all); ``office``: the office's copy, marked, with the rules and the command that
    verifies it (the household's copy carries neither)."""
    templates = agreement_templates.load()
    words = templates.words(lang)
    for record in records:
        content = json.loads(record.content)
        template = templates.get(record.kind, lang)
        values = _display(content, template.defaults, words)
        signed = (signatures or {}).get(record.id)
        if signed is None and record.signing_method == "screen":
            signed = _stored_signatures(session, record.id)
        if not content.get("representative") and signed and "representative" in signed:
            values["representative"] = signed["representative"][0]  # who signed for the command centre

        def fill(text: str, values: dict[str, str] = values) -> str:
            return text.format_map(values)

        notes = []
        void_mark = ""
        if record.status == VOIDED:
            void_mark = words["void_mark"].format(
                date=agreement_pdf.format_date(record.voided_on, words), reason=record.void_reason
            )
        if record.supersedes_id:
            previous = session.get(Agreement, record.supersedes_id)
            if previous is not None:
                notes.append(words["supersedes"].format(version=previous.version, number=previous.number))
        if record.signing_method == "paper" and record.signed_on:
            notes.append(words["signed_on_paper"].format(date=agreement_pdf.format_date(record.signed_on, words)))
            if record.fingerprint:
                notes.append(words["fingerprint"])
        if record.status == VOIDED:
            successor = session.scalar(select(Agreement.version).where(Agreement.supersedes_id == record.id))
            notes.append(
                words["voided"].format(
                    date=agreement_pdf.format_date(record.voided_on, words),
                    reason=record.void_reason,
                    version=successor or "—",
                )
            )
        roles: tuple[str, ...] = REQUIRED_ROLES if record.kind not in CO_INVESTED else (*REQUIRED_ROLES, "co_investor")
        roles = tuple(role for role in agreement_pdf.ROLES_ORDER if role in roles)
        yield agreement_pdf.AgreementPrint(
            number=record.number,
            version=record.version,
            status=(status or {}).get(record.id, record.status),
            sha256=record.content_sha256,
            title=fill(template.title),
            parties=tuple(fill(p) for p in template.parties),
            preamble=fill(template.preamble),
            clauses=tuple(fill(c) for c in template.clauses),
            closing=fill(template.closing),
            roles=roles,
            signatures=signed or {},
            signed_on=agreement_pdf.format_date(record.signed_on, words) if record.signed_on else "",
            notes=tuple(notes),
            void_mark=void_mark,
            office=_office_lines(record, content, words) if office else (),
        )


def rules_of(kind: str, household_kind: str) -> tuple[str, ...]:
    """The rules of POLICY.md an agreement of ``kind`` rests on (printed on the office's copy only)."""
    money = ("SB-1", "HS-3") if household_kind == "registered" else ("SB-2",)
    return {
        RELOCATION: ("AG-1", "HS-2", *money),
        DEMOLITION: ("AG-1", "AG-2", "AG-3", *money),
        EMPLOYMENT: ("AG-1", "WT-1"),
        CO_OWNERSHIP: ("HS-4", "HS-3"),
        DANGEROUS_HOUSE: ("SB-3", "HS-4"),
    }[kind]


def _office_lines(record: Agreement | _AsPrinted, content: dict, words: dict[str, str]) -> tuple[str, ...]:
    rules = rules_of(record.kind, content.get("household_kind", ""))
    return (
        words["office_mark"],
        words["office_rules"].format(rules=words["member_separator"].join(rules)),
        words["office_check"].format(number=record.number),
    )


def _stored_signatures(session: Session, agreement_id: str) -> dict[str, tuple[str, bytes]]:
    rows = session.execute(
        select(AgreementSignature.role, AgreementSignature.signer_name, Blob.data)
        .join(Blob, Blob.sha256 == AgreementSignature.image_sha256)
        .where(AgreementSignature.agreement_id == agreement_id)
    ).all()
    return {role: (name, data) for role, name, data in rows}


MONEY_FIELDS = (  # the amounts an agreement prints (yuan, two decimals)
    "building_cost",
    "subsidy",
    "reward",
    "subsidy_and_reward",
    "own_funds",
    "own_funds_limit",
    "loan_taken_over",
    "dangerous_subsidy",
    "investor_pays",
    "household_pays",
    "others_pay",
    "buy_back_price",
)


def amounts(store: Store, agreement_id: str) -> dict[str, Decimal]:
    """The amounts the agreement prints (``MONEY_FIELDS`` it has), as stored in its content: the figures
    every copy of it shows (the household's archive lists them beside its number)."""
    with store.session() as session:
        content = json.loads(_get(session, agreement_id).content)
    return {key: Decimal(content[key]) for key in MONEY_FIELDS if content.get(key) not in (None, "")}


def _display(content: dict, defaults: dict[str, str], words: dict[str, str]) -> dict[str, str]:
    """The content's fields as printed in the language of ``words``."""
    empty = words["empty"]
    values: dict[str, str] = {}
    for key, value in content.items():
        if value is None or value == "":
            values[key] = defaults.get(key, empty)
        else:
            values[key] = str(value)
    for key in MONEY_FIELDS:
        if content.get(key) not in (None, ""):
            values[key] = format_yuan(Decimal(content[key]))
    for key in ("layout_m2", "area_m2", "per_capita_m2", "investor_share", "household_share"):
        if content.get(key) not in (None, ""):
            number = Decimal(content[key])
            values[key] = f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:.2f}"
    for key in ("drafted_on", "demolition_deadline", "appraised_on"):
        if content.get(key):
            values[key] = agreement_pdf.format_date(dt.date.fromisoformat(content[key]), words)
    values["household_kind"] = _(HOUSEHOLD_KINDS.get(content.get("household_kind", ""), "")) or empty
    values["members"] = (
        words["member_separator"].join(
            words["member"].format(name=m["name"], relation=_(RELATIONS.get(m["relation"], m["relation"])))
            for m in content.get("members", [])
        )
        or empty
    )
    if content.get("co_option"):
        values["co_option"] = _(OPTION_LABELS[content["co_option"]])
    if content.get("layout_m2") not in (None, ""):
        values["layout"] = words["layout"].format(area=values["layout_m2"])
    else:
        values["layout"] = words["no_layout"] if content.get("area_m2") not in (None, "") else empty
    try:  # the limits of the parameter version the figures were worked out under
        params = current(content.get("parameters_version") or None)
    except PolicyFileError:
        params = current()
    values["per_capita_limit"] = str(params.per_capita_max_m2)
    values["max_area_limit"] = str(params.max_area_m2)
    values["key_date"] = agreement_pdf.format_date(params.key_date, words)
    values.update(_worded_terms(content, values, words))
    return values


def _worded_terms(content: dict, values: dict[str, str], words: dict[str, str]) -> dict[str, str]:
    """The sentences that depend on the figures (SB-1, SB-2, HS-3, AG-1): a reward is stated only when
    there is one (never "a reward of 0.00"); a registered household's subsidy and reward stay within the
    building cost of the area-controlled standard, a synchronised household's are fixed amounts paid
    whatever the cost; a demolition agreement whose reward the cap took says so; the employment agreement
    commits at least n workers, or says plainly that no member can work (never "at least 0")."""
    reward = Decimal(content["reward"]) if content.get("reward") not in (None, "") else Decimal(0)
    synchronised = content.get("household_kind") == "synchronised"
    if reward > 0:
        limit = words["total_per_household"] if synchronised else words["total_within_cost"]
    else:
        limit = words["subsidy_per_household"] if synchronised else words["subsidy_within_cost"]
    workers = content.get("employment_workers")
    return {
        "reward_clause": words["reward_added"].format_map(values) if reward > 0 else "",
        "money_limit": limit.format_map(values),
        "reward_terms": (words["reward_on_demolition"] if reward > 0 else words["reward_taken_by_cap"]).format_map(
            values
        ),
        "workers_commitment": words["workers_commitment"].format_map(values) if workers else words["no_workers"],
    }


def _pdf_bytes(session: Session, records: Sequence[Agreement | _AsPrinted], lang: str, **options) -> bytes:
    buffer = io.BytesIO()
    _write(session, buffer, records, lang, **options)
    return buffer.getvalue()


def _write(
    session: Session,
    target,
    records: Sequence[Agreement | _AsPrinted],
    lang: str,
    *,
    on_start=None,
    signatures=None,
    status=None,
    office: bool = False,
) -> int:
    prints = _prints(session, records, lang, signatures=signatures, status=status, office=office)
    township = session.scalar(select(Township))
    author = (township.command_centre or township.name) if township else ""
    if len(records) == 1:
        item = next(prints)
        prints = iter((item,))
        title, subject = item.title, item.number
        keyword_text = agreement_pdf.keywords(item.number, item.sha256, item.version, item.status, office)
    else:
        title, subject, keyword_text = _("Agreements"), _("{n} agreements").format(n=len(records)), ""
    return agreement_pdf.render(
        target,
        prints,
        agreement_templates.load(),
        lang,
        document_font(),
        title=title,
        author=author,
        subject=subject,
        keyword_text=keyword_text,
        on_start=on_start,
    )


def _check_png(data: bytes, role: str) -> None:
    if not isinstance(data, (bytes, bytearray)) or not bytes(data).startswith(PNG_MAGIC):
        raise AgreementError(_("The signature of the {role} is not a PNG image.").format(role=_(ROLES[role])))


def sign_on_screen(
    store: Store,
    agreement_id: str,
    signatures: dict[str, tuple[str, bytes]],
    signed_on: dt.date,
    expected: AgreementInfo | None = None,
) -> str:
    """Stamp the signatures captured on screen into the final PDF, store it, mark the agreement signed.

    ``signatures`` maps each of household_head, representative and witness (and, for a
    co-ownership agreement, optionally co_investor) to (signer's name, PNG bytes).  Returns the
    SHA-256 of the signed PDF.  ``expected``: the agreement as the user was shown it (refused if it
    changed since: ``_refuse_if_changed``)."""
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
        access.require_household(store, session, Action.SIGN_FOR_TOWNSHIP, record.household_id)
        _refuse_if_changed(session, store, record, expected)
        _refuse_unless_draft(record)
        allowed = set(REQUIRED_ROLES) | ({"co_investor"} if record.kind in CO_INVESTED else set())
        missing = [role for role in REQUIRED_ROLES if role not in signatures]
        if missing:
            raise AgreementError(
                _("Signatures missing: {roles}.").format(roles=", ".join(_(ROLES[role]) for role in missing))
            )
        unknown = sorted(set(signatures) - allowed)
        if unknown:
            raise AgreementError(_("Nobody signs this agreement as {roles}.").format(roles=", ".join(unknown)))
        clean: dict[str, tuple[str, bytes]] = {}
        for role, (name, png) in signatures.items():
            if not (name or "").strip():
                raise AgreementError(_("Give the name of the {role}.").format(role=_(ROLES[role])))
            _check_png(png, role)
            clean[role] = (name.strip(), bytes(png))
        record.signed_on = signed_on  # printed on the signed PDF
        record.signing_method = "screen"
        pdf = _pdf_bytes(session, [record], language(), signatures={record.id: clean}, status={record.id: SIGNED})
        for role, (name, png) in clean.items():
            session.add(
                AgreementSignature(
                    agreement_id=record.id, role=role, signer_name=name, image_sha256=put_blob(session, png)
                )
            )
        record.signed_pdf_sha256 = put_blob(session, pdf)
        record.status = SIGNED
        return record.signed_pdf_sha256


def sign_on_paper(
    store: Store,
    agreement_id: str,
    scan_path: Path | str,
    fingerprint: bool,
    signed_on: dt.date,
    expected: AgreementInfo | None = None,
) -> str:
    """Mark the agreement signed on paper: keep the photo or scan, note the fingerprint (按手印).
    Returns the SHA-256 of the scan.  ``expected``: the agreement as printed for signing (refused if it
    changed since)."""
    try:
        data = read_file(scan_path)
    except AttachmentError as error:
        raise AgreementError(str(error)) from None
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
        access.require_household(store, session, Action.SIGN_FOR_TOWNSHIP, record.household_id)
        _refuse_if_changed(session, store, record, expected)
        _refuse_unless_draft(record)
        record.scan_sha256 = put_blob(session, data)
        record.fingerprint = bool(fingerprint)
        record.signing_method = "paper"
        record.signed_on = signed_on
        record.status = SIGNED
        return record.scan_sha256


def void(store: Store, agreement_id: str, reason: str, on: dt.date, expected: AgreementInfo | None = None) -> str:
    """Void the agreement with ``reason`` and draft its next version, filled in from the household and
    plan as they are now (the deadline and commitments agreed are kept; where that cannot be done, a
    copy to be corrected with ``edit``); both are kept.  Returns the new version's id.  ``expected``: the
    agreement as the user was shown it (refused if it changed since)."""
    if not (reason or "").strip():
        raise AgreementError(_("Give the reason the agreement is voided."))
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
        # Voiding undoes the township's signature: who may sign for the township may void.
        access.require_household(store, session, Action.SIGN_FOR_TOWNSHIP, record.household_id)
        _refuse_if_changed(session, store, record, expected)
        if record.status == VOIDED:
            raise AgreementError(_("Agreement {number} is already voided.").format(number=record.number))
        record.status, record.voided_on, record.void_reason = VOIDED, on, reason.strip()
        session.flush()
        version = (
            session.execute(
                select(func.max(Agreement.version)).where(
                    Agreement.household_id == record.household_id, Agreement.kind == record.kind
                )
            ).scalar_one()
            + 1
        )
        base = record.number.rsplit("-", 2)[0]
        successor = Agreement(
            household_id=record.household_id,
            kind=record.kind,
            number=f"{base}-{CODES[record.kind]}-v{version}",
            version=version,
            supersedes_id=record.id,
            status=DRAFT,
            template_version=record.template_version,
            content=record.content,
            content_sha256=record.content_sha256,
            demolition_deadline=record.demolition_deadline,
        )
        try:  # the correction starts from the records as they are now, not from the voided text
            _set_content(successor, _content_now(session, record, today=on))
        except AgreementError:
            pass  # e.g. the agreed deadline is past: the copy is corrected with ``edit`` and a new one
        session.add(successor)
        session.flush()
        return successor.id


def versions(store: Store, household_id: str) -> list[AgreementInfo]:
    """Every version of every agreement of the household, voided ones included."""
    with store.session() as session:
        records = session.scalars(
            select(Agreement).where(Agreement.household_id == household_id).order_by(Agreement.kind, Agreement.version)
        ).all()
        order = list(KINDS)
        return sorted((_info(r) for r in records), key=lambda a: (order.index(a.kind), a.version))


def current_agreements(store: Store, household_id: str) -> dict[str, AgreementInfo]:
    """The version in force (latest not voided) of each kind the household has."""
    result: dict[str, AgreementInfo] = {}
    for info in versions(store, household_id):
        if info.status != VOIDED:
            result[info.kind] = info
    return result


def applicable_kinds(store: Store, household_id: str) -> list[str]:
    """The agreements this household signs: the three of AG-1, and co-ownership under HS-4 ①/②; a
    registered household outside relocation with a dangerous house (SB-3) only the co-ownership
    agreement where the district company takes over its D-grade rebuild's loan."""
    with store.session() as session:
        plan = _latest_plan(session, household_id)
        appraisal = dangerous_records.latest_in(session, household_id) if plan is None else None
    if appraisal is not None:
        return [DANGEROUS_HOUSE] if appraisal.result.loan_taken_over > 0 else []
    kinds = [RELOCATION, DEMOLITION, EMPLOYMENT]
    if _co_ownership_refusal(plan) is None:
        kinds.append(CO_OWNERSHIP)
    return kinds


def draft_missing(
    store: Store,
    household_id: str,
    *,
    demolition_deadline: dt.date | None,
    employment: Employment | None = None,
    today: dt.date,
) -> tuple[list[str], dict[str, str]]:
    """Draft each applicable agreement the household does not have yet.

    Returns the ids drafted and, for each kind that could not be drafted, the reason."""
    have = current_agreements(store, household_id)
    drafted, refused = [], {}
    for kind in applicable_kinds(store, household_id):
        if kind in have:
            continue
        try:
            drafted.append(
                draft(
                    store,
                    household_id,
                    kind,
                    demolition_deadline=demolition_deadline,
                    employment=employment,
                    today=today,
                )
            )
        except AgreementError as error:
            refused[kind] = str(error)
    return drafted, refused


# ---------------------------------------------------------------------------------------------
# PDFs


def render_pdf(store: Store, agreement_id: str, out: Path | str, *, office_copy: bool = False) -> Path:
    """Write the agreement as an A4 PDF to ``out`` (a file, or a folder: named by its number, with
    ``-office`` for the office's copy).

    The household's copy carries no rule code and no command line: a signed-on-screen agreement gives
    back exactly the signed PDF stored at signing; a voided one prints with the void mark (作废, the date
    and the reason) on every page.  The office's copy (``office_copy``) is the same agreement, with the
    same signatures, number and hash, marked 办公室留存 on every page, naming the rules it rests on and
    the command that verifies it."""
    out = Path(out)
    with store.session() as session:
        record = _get(session, agreement_id)
        if out.is_dir():
            out = out / (f"{record.number}-office.pdf" if office_copy else f"{record.number}.pdf")
        data = _copy_bytes(session, record, office_copy)
    _atomic_write(out, data)
    return out


def _copy_bytes(session: Session, record: Agreement, office_copy: bool) -> bytes:
    if office_copy:
        return _pdf_bytes(session, [record], language(), office=True)
    if record.signed_pdf_sha256 and record.status != VOIDED:  # once voided, every copy says so
        return session.get_one(Blob, record.signed_pdf_sha256).data
    return _pdf_bytes(session, [record], language())


def copy_bytes(store: Store, agreement_id: str, *, office_copy: bool = False) -> bytes:
    """The PDF ``render_pdf`` writes for the agreement, as bytes: a signed-on-screen agreement in force is
    exactly the signed PDF stored at signing; a voided one is printed with the void mark on every page."""
    with store.session() as session:
        return _copy_bytes(session, _get(session, agreement_id), office_copy)


def _atomic_write(out: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


class _Cancelled(Exception):
    pass


def render_village(
    store: Store,
    village_id: str,
    kinds: Iterable[str],
    out_pdf: Path | str,
    progress: Callable[[int, int], bool] | None = None,
) -> int:
    """All agreements in force (of ``kinds``) of the village's households as ONE PDF.

    ``progress(done, total)`` is called as each agreement is laid out; returning False cancels
    (InterruptedError) and leaves no file behind.  Returns the number of agreements."""
    kinds = list(kinds)
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise AgreementError(_("Unknown kind of agreement: {kind}.").format(kind=", ".join(unknown)))
    out_pdf = Path(out_pdf)
    order = list(KINDS)
    with store.session() as session:
        if session.get(Village, village_id) is None:
            raise AgreementError(_("This village no longer exists in the store."))
        rows = session.execute(
            select(Agreement, Household.list_key)
            .join(Household, Household.id == Agreement.household_id)
            .where(Household.village_id == village_id, Agreement.kind.in_(kinds), Agreement.status != VOIDED)
        ).all()
        latest: dict[tuple[str, str], tuple[Agreement, str]] = {}
        for record, key in rows:
            slot = (record.household_id, record.kind)
            if slot not in latest or latest[slot][0].version < record.version:
                latest[slot] = (record, key)
        records = [
            r
            for r, _key in sorted(
                latest.values(), key=lambda pair: (pair[1], pair[0].household_id, order.index(pair[0].kind))
            )
        ]
        total = len(records)
        if progress is not None and not progress(0, total):
            raise InterruptedError("cancelled")

        def started(index: int) -> None:
            if progress is not None and index and not progress(index, total):
                raise _Cancelled

        handle, temporary = tempfile.mkstemp(prefix=f".{out_pdf.name}.", suffix=".part", dir=out_pdf.parent)
        os.close(handle)
        try:
            if records:
                _write(session, temporary, records, language(), on_start=started)
            else:
                Path(temporary).write_bytes(b"")
            if progress is not None and not progress(total, total):
                raise _Cancelled
            if not records:
                Path(temporary).unlink()
                raise AgreementError(_("This village has no agreements of those kinds yet."))
            os.replace(temporary, out_pdf)
        except _Cancelled:
            Path(temporary).unlink(missing_ok=True)
            raise InterruptedError("cancelled") from None
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    return total


# ---------------------------------------------------------------------------------------------
# Checking a PDF against the store, by what it shows
#
# The metadata (Subject, Keywords) and the number printed on the pages only say which stored
# agreement to compare with.  "Matches" means the file is byte for byte one the store holds (the
# signed PDF, a paper copy's scan) or prints for that agreement (now, or as it was printed before it
# was signed or voided; rendering is deterministic); otherwise the text the pages show is compared
# with the text of the closest of those renderings, and every difference is named.  A file whose
# text is the same but whose bytes are not is still not vouched for: outside the text a PDF can
# change what a page shows (a font's glyphs, a picture, an annotation, text hidden under a shape).

_MAX_PAGES = 50  # pages of a PDF read for the comparison (an agreement has a few)
_MAX_DIFFERENCES = 12  # differences listed in the report; the rest are counted
_CJK = "\u2e80-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef"
_SPACE_BY_CJK = re.compile(rf"(?<=[{_CJK}]) | (?=[{_CJK}])")  # a line broken in Chinese text adds no space
_PASSAGE_END = re.compile(r"(?<=[。；，！？;])|(?<=[.,!?]) ")
_AMOUNT = re.compile(r"(?<![\d.,])(?:\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+\.\d{2})(?![\d,]|\.\d)")


@dataclass(frozen=True)
class Difference:
    """One place where the text a PDF shows differs from the text of the stored agreement."""

    shown: str  # what the PDF shows there ("": nothing)
    stored: str  # what the stored agreement says there ("": nothing)
    page: int  # the PDF's page

    def describe(self) -> str:
        shown, stored = _clip(self.shown), _clip(self.stored)
        if shown and stored:
            text = _("Page {page}: the PDF says “{shown}”; the stored agreement says “{stored}”.")
        elif shown:
            text = _("Page {page}: the PDF says “{shown}”; the stored agreement says nothing there.")
        else:
            text = _("Page {page}: the stored agreement says “{stored}”; the PDF does not show it.")
        return text.format(page=self.page, shown=shown, stored=stored)


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found about a PDF."""

    found: bool  # the PDF names an agreement (printed on a page, or in its metadata)
    matches: bool  # byte for byte a PDF the store holds or prints for that agreement
    number: str | None = None
    version: int | None = None
    kind: str | None = None
    status: str | None = None  # of the stored agreement: draft / signed / voided
    printed_hash: str | None = None  # the hash printed on the page (or else the metadata's)
    hash_matches: bool = False  # every hash the PDF states (pages, metadata) is the stored content hash
    file_sha256: str = ""
    signed_file: bool = False  # the PDF's metadata says it is the signed file
    signed_file_matches: bool | None = None  # for a signed file: same SHA-256 as the stored signed PDF
    signed_on: dt.date | None = None
    voided_on: dt.date | None = None
    void_reason: str = ""
    message: str = ""  # the verdict
    byte_identical: bool = False
    identical_to: str = ""  # which stored or printed PDF the file is, worded
    text_matches: bool | None = None  # the pages' text = the stored agreement's (None: not compared)
    drawing_matches: bool | None = None  # every page's drawing operators = the stored rendering's
    qr_matches: bool | None = None  # every page draws the QR code of the stored number and hash
    differences: tuple[Difference, ...] = ()  # in the text
    amounts_not_stored: tuple[str, ...] = ()  # amounts the PDF shows that the stored agreement does not state
    amounts_not_shown: tuple[str, ...] = ()  # amounts the stored agreement states that the PDF does not show
    details: tuple[str, ...] = ()  # worded: what differs, one line each, after the verdict


@dataclass(frozen=True)
class _Shown:
    """What a PDF shows: its metadata, and each page's text and drawing operators (None: unreadable)."""

    info: dict[str, str]
    texts: tuple[str | None, ...]
    drawings: tuple[bytes | None, ...]
    page_count: int


@dataclass(frozen=True)
class _Passage:
    key: str  # compared: without any space
    text: str  # shown in the report
    page: int


@dataclass(frozen=True)
class _AsPrinted:
    """An agreement's fields as ``_prints`` reads them, with a later signing or voiding taken back."""

    id: str
    number: str
    version: int
    kind: str
    status: str
    content: str
    content_sha256: str
    supersedes_id: str | None
    signing_method: str
    signed_on: dt.date | None
    fingerprint: bool
    voided_on: dt.date | None
    void_reason: str


@contextmanager
def _quiet_pypdf() -> Iterator[None]:
    """pypdf logs and warns about every damaged stream; the verdict says what matters instead."""
    logger = logging.getLogger("pypdf")
    level = logger.level
    logger.setLevel(logging.CRITICAL + 1)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        logger.setLevel(level)


def _read_bytes(path: Path) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AgreementError(
            _("The file {name} cannot be read: {error}").format(name=path.name, error=error.strerror)
        ) from None
    if not data.startswith(b"%PDF-"):
        raise AgreementError(_("The file {name} is not a PDF.").format(name=path.name))
    return data


def _shown(data: bytes, name: str) -> _Shown:
    from pypdf import PdfReader

    with _quiet_pypdf():
        try:
            reader = PdfReader(io.BytesIO(data))
            metadata: Mapping[Any, Any] = reader.metadata or {}
            info = {str(key): str(value) for key, value in metadata.items()}
            pages = list(reader.pages)
        except Exception as error:  # a damaged file: pypdf raises many kinds
            raise AgreementError(
                _("The file {name} is not a readable PDF: {error}").format(name=name, error=error)
            ) from None
        texts: list[str | None] = []
        drawings: list[bytes | None] = []
        for page in pages[:_MAX_PAGES]:
            try:
                contents = page.get_contents()
                drawings.append(contents.get_data() if contents is not None else b"")
            except Exception:  # a page whose content is damaged shows nothing we can compare
                drawings.append(None)
            try:
                texts.append(page.extract_text() or "")
            except Exception:
                texts.append(None)
    return _Shown(info, tuple(texts), tuple(drawings), len(pages))


def _flat(text: str) -> str:
    return _SPACE_BY_CJK.sub("", " ".join(text.split()))


def _passages(texts: Sequence[str | None]) -> list[_Passage]:
    """The text of every page cut into passages: its lines, cut again after each sentence or clause."""
    out = []
    for page, text in enumerate(texts, start=1):
        for line in (text or "").splitlines():
            for piece in _PASSAGE_END.split(_flat(line)):
                piece = piece.strip()
                if piece:
                    out.append(_Passage("".join(piece.split()), piece, page))
    return out


def _clip(text: str, limit: int = 90) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, a, b, autojunk=False).ratio()


def _differences(shown: list[_Passage], stored: list[_Passage]) -> list[Difference]:
    """The passages that differ, each one shown paired with the stored one it replaces where there
    is one (same count in a changed block, or alike enough)."""
    matcher = difflib.SequenceMatcher(None, [p.key for p in shown], [p.key for p in stored], autojunk=False)
    out: list[Difference] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        mine, theirs = shown[i1:i2], stored[j1:j2]
        page = mine[0].page if mine else (shown[i1 - 1].page if 0 < i1 <= len(shown) else 1)
        if len(mine) == len(theirs):
            out.extend(Difference(a.text, b.text, a.page) for a, b in zip(mine, theirs, strict=True))
            continue
        used: set[int] = set()
        for passage in mine:
            best, score = None, 0.6
            if len(mine) * len(theirs) <= 2500:
                for index, other in enumerate(theirs):
                    if index not in used and (ratio := _similarity(passage.key, other.key)) >= score:
                        best, score = index, ratio
            if best is None:
                out.append(Difference(passage.text, "", passage.page))
            else:
                used.add(best)
                out.append(Difference(passage.text, theirs[best].text, passage.page))
        out.extend(Difference("", other.text, page) for index, other in enumerate(theirs) if index not in used)
    # what the PDF shows first (a made-up page's own words lead the report), each side in page order
    return sorted(out, key=lambda difference: not difference.shown)


def _amounts(passages: list[_Passage]) -> list[str]:
    return list(dict.fromkeys(amount for p in passages for amount in _AMOUNT.findall(p.text)))


def _drawing_difference(shown: _Shown, stored: _Shown) -> list[str]:
    """Where the two PDFs' pages first draw differently: a few operators either side, worded."""
    for page, (mine, theirs) in enumerate(zip(shown.drawings, stored.drawings, strict=False), start=1):
        if mine is None or mine == theirs:
            continue
        a, b = mine.split(), (theirs or b"").split()
        first = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))
        start = max(0, first - 4)

        def around(tokens: list[bytes], start: int = start, first: int = first) -> str:
            return _clip(b" ".join(tokens[start : first + 6]).decode("latin-1"), 80) or "—"

        return [
            _("Page {page} draws “{shown}” where the stored agreement's page draws “{stored}”.").format(
                page=page, shown=around(a), stored=around(b)
            )
        ]
    return []


def _as_printed(record: Agreement, **changes: Any) -> _AsPrinted:
    values = {f.name: getattr(record, f.name) for f in dataclasses.fields(_AsPrinted)}
    values.update(changes)
    return _AsPrinted(**values)


def _printings(record: Agreement, office: bool = False) -> list[tuple[_AsPrinted, str]]:
    """The states in which this store prints (or printed) the agreement, each worded; ``office``: its
    office's copies, which are always drawn afresh."""
    out = []
    if office or not record.signed_pdf_sha256 or record.status == VOIDED:  # once signed on screen, the stored
        # signed PDF is the household's copy, until it is voided: then it prints with the void mark
        out.append((_as_printed(record), _("the PDF this store prints for it")))
    if record.status != DRAFT:
        out.append(
            (
                _as_printed(
                    record,
                    status=DRAFT,
                    signing_method="",
                    signed_on=None,
                    fingerprint=False,
                    voided_on=None,
                    void_reason="",
                ),
                _("the PDF this store printed for it before it was signed")
                if record.signed_on
                else _("the PDF this store printed for it before it was voided"),
            )
        )
    if record.status == VOIDED and record.signing_method == "paper":
        out.append(
            (
                _as_printed(record, status=SIGNED, voided_on=None, void_reason=""),
                _("the PDF this store printed for it once it was signed on paper, before it was voided"),
            )
        )
    return out


def _rendered_in(session: Session, printed: _AsPrinted, lang: str, office: bool = False) -> bytes | None:
    """The PDF of ``printed`` in ``lang``: the interface language is switched for the rendering (a
    few words come from the message catalogue) and switched back."""
    previous = language()
    try:
        set_language(lang)
    except OSError:  # that catalogue is not there: nothing is printed in it
        set_language(previous)
        return None
    try:
        return _pdf_bytes(session, [printed], lang, office=office)
    finally:
        set_language(previous)


def _renderings(session: Session, record: Agreement, first: str, office: bool = False) -> Iterator[tuple[bytes, str]]:
    """Every PDF this store holds or prints for the agreement, with what it is; ``first`` language first;
    ``office``: the office's copies of it first."""
    if record.signed_pdf_sha256:
        blob = session.get(Blob, record.signed_pdf_sha256)
        if blob is not None:
            yield blob.data, _("the signed PDF stored when it was signed on screen")
    for copy in (True, False) if office else (False,):
        for lang in (first, *(other for other in agreement_templates.LANGUAGES if other != first)):
            for printed, what in _printings(record, copy):
                data = _rendered_in(session, printed, lang, office=copy)
                if data is not None:
                    yield data, _("the office's copy of {what}").format(what=what) if copy else what


def _is_office_copy(shown: _Shown, claims: dict[str, str]) -> bool:
    """Does the PDF say it is the office's copy (its metadata, or the marking on its pages)?"""
    if claims.get("copy") == "office":
        return True
    pages = _flat(" ".join(text or "" for text in shown.texts))
    templates = agreement_templates.load()
    return any(_flat(templates.words(lang)["office_mark"]) in pages for lang in agreement_templates.LANGUAGES)


def _language_of(texts: Sequence[str | None]) -> str:
    letters = "".join("".join((text or "").split()) for text in texts)
    chinese = len(re.findall(rf"[{_CJK}]", letters))
    return "zh_CN" if letters and chinese > len(letters) * 0.3 else "en"


def verify(store: Store, pdf_path: Path | str) -> Verification:
    """Does this PDF show a stored agreement?  Which version, what status, and what differs?

    The agreement is found by the file's bytes (a signed PDF or scan the store holds), else by the
    number printed on the pages, else by the number in the PDF's metadata.  The
    PDF matches only if it is byte for byte one the store holds or prints for it (see above);
    otherwise its text is compared with the closest of those and the differences are listed."""
    path = Path(pdf_path)
    data = _read_bytes(path)
    shown = _shown(data, path.name)
    file_sha = hashlib.sha256(data).hexdigest()
    claims = dict(re.findall(r"(\w+)=(\S+)", shown.info.get("/Keywords", "")))
    claimed_number, claimed_hash, signed_file = (
        claims.get("number"),
        claims.get("sha256"),
        claims.get("status") == SIGNED,
    )
    page_text = " ".join(" ".join((text or "").split()) for text in shown.texts)
    printed_hashes = HASH_PATTERN.findall(page_text)
    numbers = list(dict.fromkeys([*NUMBER_PATTERN.findall(page_text), *([claimed_number] if claimed_number else [])]))
    printed = printed_hashes[0] if printed_hashes else claimed_hash
    with store.session() as session:
        # a file the store holds (a signed PDF, a paper copy's scan) is known by its bytes alone
        record = session.scalars(
            select(Agreement)
            .where(or_(Agreement.signed_pdf_sha256 == file_sha, Agreement.scan_sha256 == file_sha))
            .order_by(Agreement.number)
        ).first()
        for number in numbers:
            if record is not None:
                break
            record = session.scalar(select(Agreement).where(Agreement.number == number))
        if record is None and not numbers:
            return Verification(
                found=False,
                matches=False,
                file_sha256=file_sha,
                message=_(
                    "The PDF shows no agreement number and its metadata names none: it is not an agreement "
                    "printed by this application."
                ),
            )
        if record is None:
            return Verification(
                found=True,
                matches=False,
                number=numbers[0],
                printed_hash=printed,
                file_sha256=file_sha,
                signed_file=signed_file,
                message=_("No agreement numbered {number} is stored.").format(number=", ".join(numbers)),
            )
        return _compare(session, record, shown, file_sha, printed, printed_hashes, claims, signed_file)


def _compare(
    session: Session,
    record: Agreement,
    shown: _Shown,
    file_sha: str,
    printed: str | None,
    printed_hashes: list[str],
    claims: dict[str, str],
    signed_file: bool,
) -> Verification:
    number, stored_hash = record.number, record.content_sha256
    stored_ok = sha256_text(record.content) == stored_hash
    stated = [*printed_hashes, *([claims["sha256"]] if "sha256" in claims else [])]
    signed_file_matches = None
    if signed_file or (record.signed_pdf_sha256 and file_sha == record.signed_pdf_sha256):
        signed_file_matches = file_sha == record.signed_pdf_sha256
    status = _(STATUSES[record.status])
    result = functools.partial(
        Verification,
        found=True,
        number=number,
        version=record.version,
        kind=record.kind,
        status=record.status,
        printed_hash=printed,
        hash_matches=stored_ok and bool(stated) and all(h == stored_hash for h in stated),
        file_sha256=file_sha,
        signed_file=signed_file,
        signed_file_matches=signed_file_matches,
        signed_on=record.signed_on,
        voided_on=record.voided_on,
        void_reason=record.void_reason,
    )
    if not stored_ok:
        message = _("The stored agreement {number} does not match its own hash: the store was changed.")
        return result(matches=False, message=message.format(number=number))

    identical = _("the scan of the paper copy stored when it was signed") if file_sha == record.scan_sha256 else ""
    renderings: list[tuple[bytes, str]] = []
    if not identical:
        lang = _language_of([*shown.texts, shown.info.get("/Title")])
        for rendered, what in _renderings(session, record, lang, _is_office_copy(shown, claims)):
            renderings.append((rendered, what))
            if hashlib.sha256(rendered).hexdigest() == file_sha:
                identical = what
                break
    if identical:
        message = _("Agreement {number} (version {version}) matches the stored document; it is {status}.").format(
            number=number, version=record.version, status=status
        )
        message += " " + _("This file is byte for byte {what}.").format(what=identical)
        if record.status in (SIGNED, VOIDED) and record.signed_on:
            message += " " + _("Signed on {date}.").format(date=record.signed_on.isoformat())
        if record.status == VOIDED:
            message += " " + _("Voided on {date}: {reason}").format(
                date=record.voided_on.isoformat() if record.voided_on else "", reason=record.void_reason
            )
        same = None if file_sha == record.scan_sha256 else True
        return result(
            matches=True,
            byte_identical=True,
            identical_to=identical,
            text_matches=same,
            drawing_matches=same,
            qr_matches=same,
            message=message,
        )

    # Not a file the store produced: what do its pages show, against the closest rendering?
    mine = _passages(shown.texts)
    candidates = []
    for rendered, what in renderings:
        theirs = _shown(rendered, what)
        passages = _passages(theirs.texts)
        score = (
            round(
                difflib.SequenceMatcher(None, [p.key for p in mine], [p.key for p in passages], autojunk=False).ratio(),
                3,
            ),
            theirs.page_count == shown.page_count,  # then, for a page that shows next to nothing, its shape
            theirs.info.get("/Title") == shown.info.get("/Title"),  # and the metadata's hint of its language
        )
        candidates.append((score, theirs, passages, what))
    _score, closest, theirs_passages, compared_with = max(candidates, key=lambda c: c[0])
    differences = _differences(mine, theirs_passages)
    unreadable = [page for page, text in enumerate(shown.texts, start=1) if text is None]
    text_matches = not differences and not unreadable and shown.page_count == closest.page_count
    drawing_matches = None not in shown.drawings and shown.drawings == closest.drawings
    _count, operators = agreement_pdf.qr_drawing(agreement_pdf.qr_payload(number, stored_hash))
    qr_missing = [
        page
        for page, drawing in enumerate(shown.drawings, start=1)
        if drawing is None or operators.encode("ascii") not in drawing
    ]
    amounts_mine, amounts_theirs = _amounts(mine), _amounts(theirs_passages)
    not_stored = tuple(a for a in amounts_mine if a not in amounts_theirs)
    not_shown = tuple(a for a in amounts_theirs if a not in amounts_mine)

    details = [_("Compared with {what}.").format(what=compared_with)]
    details += [_("Page {page} cannot be read: its content is damaged.").format(page=page) for page in unreadable]
    if shown.page_count != closest.page_count:
        details.append(
            _("The PDF has {shown} page(s); the stored agreement has {stored}.").format(
                shown=shown.page_count, stored=closest.page_count
            )
        )
    details += [difference.describe() for difference in differences[:_MAX_DIFFERENCES]]
    if len(differences) > _MAX_DIFFERENCES:
        details.append(_("… and {count} more differences.").format(count=len(differences) - _MAX_DIFFERENCES))
    if not_stored:
        details.append(
            _("Amounts the PDF shows that the stored agreement does not state: {amounts}.").format(
                amounts=join(list(not_stored))
            )
        )
    if not_shown:
        details.append(
            _("Amounts the stored agreement states that the PDF does not show: {amounts}.").format(
                amounts=join(list(not_shown))
            )
        )
    if qr_missing:
        details.append(
            _("The QR code on page(s) {pages} does not carry the stored number and hash of agreement {number}.").format(
                pages=", ".join(map(str, qr_missing)), number=number
            )
        )
    if claims.get("number") and claims["number"] != number:
        details.append(
            _("The PDF's metadata names agreement {claimed}; its pages show {number}.").format(
                claimed=claims["number"], number=number
            )
        )
    if claims.get("sha256") and claims["sha256"] != stored_hash:
        details.append(
            _("The PDF's metadata gives the hash {claimed}; the stored agreement's hash is {stored}.").format(
                claimed=claims["sha256"], stored=stored_hash
            )
        )
    if not drawing_matches:
        details += _drawing_difference(shown, closest)
    if text_matches:
        details.append(
            _(
                "Its pages draw exactly what the stored agreement's pages draw: the file differs elsewhere "
                "(its metadata, fonts or structure)."
            )
            if drawing_matches
            else _(
                "Its pages draw something other than the stored agreement's pages (positions, lines, "
                "pictures or hidden text), though their text is the same."
            )
        )
    if record.signed_pdf_sha256:
        details.append(
            _("It is not byte for byte the signed PDF stored when agreement {number} was signed on screen.").format(
                number=number
            )
        )
    if text_matches:
        message = _(
            "Agreement {number} (version {version}, {status}) does not match the stored document: the PDF "
            "shows the same text, but it is not a file this store produced. Print the agreement again from the store."
        )
    else:
        message = _(
            "Agreement {number} (version {version}, {status}) does not match the stored document: what this "
            "PDF shows differs from it."
        )
    return result(
        matches=False,
        message=message.format(number=number, version=record.version, status=status),
        text_matches=text_matches,
        drawing_matches=drawing_matches,
        qr_matches=not qr_missing and shown.page_count > 0,
        differences=tuple(differences),
        amounts_not_stored=not_stored,
        amounts_not_shown=not_shown,
        details=tuple(details),
    )
