"""The agreements signed with every relocation household (AG-1, HS-4, SB-1, SB-2; issue 4).

Three agreements for every household — relocation (搬迁协议), move into the new and demolish the
old (搬新拆旧协议, with the date by which the old house goes) and poverty-exit employment
(脱贫就业协议) — and the co-ownership agreement (产权共有协议) where the household's saved housing
plan chose way ① (direct relatives) or ② (district company) of HS-4 (2).

An agreement is drafted from the household, its actual members, its latest saved housing plan
(figures recalculated under the plan's own parameter version) and the township's command centre
and representative.  Every filled-in field goes into ``content`` as canonical JSON, and
``content_sha256`` is the SHA-256 of exactly that text; number and hash are printed on every
page with a QR code, and put into the PDF's metadata, so ``verify`` can tell a printed copy from a
forgery.  Signing (on screen, with the signatures stamped into the PDF that is then stored with
its SHA-256; or on paper, with the scan and the fingerprint noted) freezes the agreement: a
correction voids it with the reason and drafts the next version, and both are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import agreement_pdf, agreement_templates
from xinjie_desktop.core.documents.fonts import document_font
from xinjie_desktop.core.records.attachments import AttachmentError, put_blob, read_file
from xinjie_desktop.core.records.housing_plans import SavedPlan, input_from_json
from xinjie_desktop.core.rules import membership
from xinjie_desktop.core.rules.housing_plan import (
    DISTRICT_COMPANY,
    OPTION_LABELS,
    RELATIVES,
    PlanInputError,
    calculate,
)
from xinjie_desktop.core.rules.housing_plan import (
    KINDS as HOUSEHOLD_KINDS,
)
from xinjie_desktop.core.rules.identification import in_national_system
from xinjie_desktop.core.rules.money import format_yuan
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
from xinjie_desktop.i18n import N_, _, language

__all__ = [
    "KINDS",
    "ROLES",
    "AgreementError",
    "AgreementInfo",
    "Employment",
    "Verification",
    "applicable_kinds",
    "canonical",
    "content_of",
    "current_agreements",
    "draft",
    "draft_missing",
    "edit",
    "render_pdf",
    "render_village",
    "sign_on_paper",
    "sign_on_screen",
    "verify",
    "versions",
    "void",
]

RELOCATION, DEMOLITION, EMPLOYMENT, CO_OWNERSHIP = "relocation", "demolition", "employment", "co_ownership"
KINDS = {
    RELOCATION: N_("relocation agreement"),
    DEMOLITION: N_("move-into-the-new, demolish-the-old agreement"),
    EMPLOYMENT: N_("poverty-exit employment agreement"),
    CO_OWNERSHIP: N_("co-ownership agreement"),
}
CODES = {RELOCATION: "BQ", DEMOLITION: "CJ", EMPLOYMENT: "JY", CO_OWNERSHIP: "GY"}  # 搬迁 拆旧 就业 共有
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
NUMBER_PATTERN = re.compile(r"XJ-\d{4}-[0-9A-F]{4}-\d{6}-(?:BQ|CJ|JY|GY)-v\d+")
HASH_PATTERN = re.compile(r"\b[0-9a-f]{64}\b")
_SERIAL_KEY = "agreement_serial"


@dataclass(frozen=True)
class Employment:
    """The employment commitments of the poverty-exit employment agreement; empty texts print the
    template's default wording, ``workers`` None means the household's members able to work (at least 1)."""

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


@dataclass(frozen=True)
class Verification:
    """What ``verify`` found about a PDF."""

    found: bool  # the PDF carries an agreement number and hash
    matches: bool  # number known, printed hash = stored content hash (and, for a signed file, same bytes)
    number: str | None = None
    version: int | None = None
    kind: str | None = None
    status: str | None = None  # of the stored agreement: draft / signed / voided
    printed_hash: str | None = None
    hash_matches: bool = False
    file_sha256: str = ""
    signed_file: bool = False  # the PDF says it is the signed file
    signed_file_matches: bool | None = None  # for a signed file: same SHA-256 as the stored signed PDF
    signed_on: dt.date | None = None
    voided_on: dt.date | None = None
    void_reason: str = ""
    message: str = ""


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
    if plan is None and kind != EMPLOYMENT:
        raise AgreementError(
            _(
                "Save a housing plan for this household first: the agreement takes its figures "
                "from the latest saved plan."
            )
        )
    if kind == CO_OWNERSHIP and (refusal := _co_ownership_refusal(plan)):
        raise AgreementError(refusal)
    if kind == DEMOLITION:
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
        "household_kind": "registered" if in_national_system(household) else "synchronised",
    }
    figures = _figures(plan) if plan is not None else None
    content.update(_plan_fields(plan, figures))
    if kind == DEMOLITION and demolition_deadline is not None:  # a demolition agreement has one (checked above)
        content["demolition_deadline"] = demolition_deadline.isoformat()
    if kind == EMPLOYMENT:
        employment = employment or Employment()
        workers = employment.workers
        if workers is None:
            workers = max(1, sum(1 for m in actual if m.labour in LABOUR_CAPABLE))
        if workers < 0:
            raise AgreementError(_("The number of members who take up work cannot be negative."))
        content.update(
            employment_workers=workers,
            employment_training=employment.training.strip(),
            employment_placement=employment.placement.strip(),
            exit_target=employment.exit_target.strip(),
        )
    if kind == CO_OWNERSHIP and plan is not None and figures is not None:  # only employment goes without a plan
        option = next((o for o in figures.get("options", []) if o.get("code") == plan.chosen_option), None)
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
            investor_pays=_amount(option.get("investor_pays")),
            household_pays=_amount(option.get("household_pays")),
            others_pay=_amount(option.get("others_pay")),
            investor_share=_number(option.get("investor_share_percent")),
            household_share=_number(option.get("household_share_percent")),
            buy_back_price=_amount(option.get("buy_back_price")),
            conditions=option.get("conditions", ""),
        )
    return content


def _figures(plan: SavedPlan) -> Mapping[str, Any]:
    """The saved plan's figures as the agreements state them: worked out again under the plan's own
    parameter version with the demolition agreement signed, since the reward of SB-1/SB-2 is
    promised on that condition (for a plan saved with it signed these are the saved figures)."""
    if plan.plan.demolition_signed:
        return plan.results
    try:
        return calculate(
            dataclasses.replace(plan.plan, demolition_signed=True), current(plan.parameters_version)
        ).to_json()
    except (PlanInputError, PolicyFileError) as error:
        raise AgreementError(_("The saved housing plan cannot be recalculated: {error}").format(error=error)) from None


def _plan_fields(plan: SavedPlan | None, figures: Mapping[str, Any] | None) -> dict:
    if plan is None or figures is None:
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
    return {
        "plan_id": plan.id,
        "parameters_version": plan.parameters_version,
        "layout_m2": _number(figures.get("layout_m2")),
        "area_m2": _number(figures.get("area_m2")),
        "per_capita_m2": _number(figures.get("per_capita_m2")),
        "building_cost": _amount(figures.get("building_cost")),
        "subsidy": _amount(figures.get("subsidy")),
        "reward": _amount(figures.get("reward")),
        "subsidy_and_reward": _amount(figures.get("subsidy_and_reward")),
        "own_funds": _amount(figures.get("own_funds_needed")),
        "own_funds_limit": _amount(figures.get("own_funds_limit")),
        "loan_taken_over": _amount(figures.get("loan_taken_over")),
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
        _refuse_unless_draft(record)
        old = json.loads(record.content)
        if demolition_deadline is None and old.get("demolition_deadline"):
            demolition_deadline = dt.date.fromisoformat(old["demolition_deadline"])
        if employment is None and record.kind == EMPLOYMENT:
            employment = Employment(
                old.get("employment_workers"),
                old.get("employment_training", ""),
                old.get("employment_placement", ""),
                old.get("exit_target", ""),
            )
        content = content_of(
            session,
            record.household_id,
            record.kind,
            demolition_deadline=demolition_deadline,
            employment=employment,
            today=today,
        )
        _set_content(record, content)
        return record.content_sha256


def _prints(
    session: Session,
    records: Sequence[Agreement],
    lang: str,
    *,
    signatures: dict[str, dict[str, tuple[str, bytes]]] | None = None,
    status: dict[str, str] | None = None,
) -> Iterator[agreement_pdf.AgreementPrint]:
    """What each record prints, made one at a time as the renderer reaches it (a village's batch
    never holds them all)."""
    templates = agreement_templates.load()
    words = templates.words(lang)
    for record in records:
        content = json.loads(record.content)
        template = templates.get(record.kind, lang)
        values = _display(content, template.defaults, words)

        def fill(text: str, values: dict[str, str] = values) -> str:
            return text.format_map(values)

        notes = []
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
        roles: tuple[str, ...] = REQUIRED_ROLES if record.kind != CO_OWNERSHIP else (*REQUIRED_ROLES, "co_investor")
        roles = tuple(role for role in agreement_pdf.ROLES_ORDER if role in roles)
        signed = (signatures or {}).get(record.id)
        if signed is None and record.signing_method == "screen":
            signed = _stored_signatures(session, record.id)
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
        )


def _stored_signatures(session: Session, agreement_id: str) -> dict[str, tuple[str, bytes]]:
    rows = session.execute(
        select(AgreementSignature.role, AgreementSignature.signer_name, Blob.data)
        .join(Blob, Blob.sha256 == AgreementSignature.image_sha256)
        .where(AgreementSignature.agreement_id == agreement_id)
    ).all()
    return {role: (name, data) for role, name, data in rows}


def _display(content: dict, defaults: dict[str, str], words: dict[str, str]) -> dict[str, str]:
    """The content's fields as printed in the language of ``words``."""
    empty = words["empty"]
    values: dict[str, str] = {}
    for key, value in content.items():
        if value is None or value == "":
            values[key] = defaults.get(key, empty)
        else:
            values[key] = str(value)
    for key in (
        "building_cost",
        "subsidy",
        "reward",
        "subsidy_and_reward",
        "own_funds",
        "own_funds_limit",
        "loan_taken_over",
        "investor_pays",
        "household_pays",
        "others_pay",
        "buy_back_price",
    ):
        if content.get(key) not in (None, ""):
            values[key] = format_yuan(Decimal(content[key]))
    for key in ("layout_m2", "area_m2", "per_capita_m2", "investor_share", "household_share"):
        if content.get(key) not in (None, ""):
            number = Decimal(content[key])
            values[key] = f"{number.normalize():f}" if number == number.to_integral_value() else f"{number:.2f}"
    for key in ("drafted_on", "demolition_deadline"):
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
    return values


def _pdf_bytes(session: Session, records: Sequence[Agreement], lang: str, **options) -> bytes:
    buffer = io.BytesIO()
    _write(session, buffer, records, lang, **options)
    return buffer.getvalue()


def _write(
    session: Session, target, records: Sequence[Agreement], lang: str, *, on_start=None, signatures=None, status=None
) -> int:
    prints = _prints(session, records, lang, signatures=signatures, status=status)
    township = session.scalar(select(Township))
    author = (township.command_centre or township.name) if township else ""
    if len(records) == 1:
        item = next(prints)
        prints = iter((item,))
        title, subject = item.title, item.number
        keyword_text = agreement_pdf.keywords(item.number, item.sha256, item.version, item.status)
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
    store: Store, agreement_id: str, signatures: dict[str, tuple[str, bytes]], signed_on: dt.date
) -> str:
    """Stamp the signatures captured on screen into the final PDF, store it, mark the agreement signed.

    ``signatures`` maps each of household_head, representative and witness (and, for a
    co-ownership agreement, optionally co_investor) to (signer's name, PNG bytes).  Returns the
    SHA-256 of the signed PDF."""
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
        _refuse_unless_draft(record)
        allowed = set(REQUIRED_ROLES) | ({"co_investor"} if record.kind == CO_OWNERSHIP else set())
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


def sign_on_paper(store: Store, agreement_id: str, scan_path: Path | str, fingerprint: bool, signed_on: dt.date) -> str:
    """Mark the agreement signed on paper: keep the photo or scan, note the fingerprint (按手印).
    Returns the SHA-256 of the scan."""
    try:
        data = read_file(scan_path)
    except AttachmentError as error:
        raise AgreementError(str(error)) from None
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
        _refuse_unless_draft(record)
        record.scan_sha256 = put_blob(session, data)
        record.fingerprint = bool(fingerprint)
        record.signing_method = "paper"
        record.signed_on = signed_on
        record.status = SIGNED
        return record.scan_sha256


def void(store: Store, agreement_id: str, reason: str, on: dt.date) -> str:
    """Void the agreement with ``reason`` and draft its next version (same content, to be corrected
    with ``edit`` and signed again); both are kept.  Returns the new version's id."""
    if not (reason or "").strip():
        raise AgreementError(_("Give the reason the agreement is voided."))
    with store.durable_unit_of_work() as session:  # survives a power cut once signed
        record = _get(session, agreement_id)
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
    """The agreements this household signs: the three of AG-1, and co-ownership under HS-4 ①/②."""
    with store.session() as session:
        plan = _latest_plan(session, household_id)
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


def render_pdf(store: Store, agreement_id: str, out: Path | str) -> Path:
    """Write the agreement as an A4 PDF to ``out`` (a file, or a folder: named by its number).

    A signed-on-screen agreement gives back exactly the signed PDF stored at signing."""
    out = Path(out)
    with store.session() as session:
        record = _get(session, agreement_id)
        if out.is_dir():
            out = out / f"{record.number}.pdf"
        if record.signed_pdf_sha256:
            data = session.get_one(Blob, record.signed_pdf_sha256).data
        else:
            data = _pdf_bytes(session, [record], language())
    _atomic_write(out, data)
    return out


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
# Checking a PDF against the store


def _read_pdf(path: Path) -> tuple[bytes, dict[str, str], str]:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        data = path.read_bytes()
    except OSError as error:
        raise AgreementError(
            _("The file {name} cannot be read: {error}").format(name=path.name, error=error.strerror)
        ) from None
    if not data.startswith(b"%PDF-"):
        raise AgreementError(_("The file {name} is not a PDF.").format(name=path.name))
    try:
        reader = PdfReader(io.BytesIO(data))
        metadata: Mapping[Any, Any] = reader.metadata or {}
        info = {key: str(value) for key, value in metadata.items()}
        keywords = info.get("/Keywords", "")
        text = ""
        if "number=" not in keywords and reader.pages:
            text = reader.pages[0].extract_text() or ""
    except (PdfReadError, ValueError, KeyError, OSError) as error:
        raise AgreementError(
            _("The file {name} is not a readable PDF: {error}").format(name=path.name, error=error)
        ) from None
    return data, info, text


def verify(store: Store, pdf_path: Path | str) -> Verification:
    """Does this PDF's number and hash match a stored agreement?  Which version, what status?

    The number and hash are read from the PDF's metadata (or, failing that, its first page's
    text).  A PDF that says it is the signed file must also be byte for byte the signed PDF
    stored at signing (same SHA-256)."""
    path = Path(pdf_path)
    data, info, text = _read_pdf(path)
    file_sha = hashlib.sha256(data).hexdigest()
    fields = dict(re.findall(r"(\w+)=(\S+)", info.get("/Keywords", "")))
    number, printed, signed_file = fields.get("number"), fields.get("sha256"), fields.get("status") == SIGNED
    if not number:
        found_number = NUMBER_PATTERN.search(text.replace("\n", " "))
        found_hash = HASH_PATTERN.search(text.replace(" ", ""))
        number = found_number.group(0) if found_number else None
        printed = found_hash.group(0) if found_hash else None
    if not number or not printed:
        return Verification(
            found=False,
            matches=False,
            file_sha256=file_sha,
            message=_(
                "The PDF carries no agreement number and hash: it is not an agreement printed by this application."
            ),
        )
    with store.session() as session:
        record = session.scalar(select(Agreement).where(Agreement.number == number))
        if record is None:
            return Verification(
                found=True,
                matches=False,
                number=number,
                printed_hash=printed,
                file_sha256=file_sha,
                signed_file=signed_file,
                message=_("No agreement numbered {number} is stored.").format(number=number),
            )
        stored_ok = sha256_text(record.content) == record.content_sha256
        hash_matches = stored_ok and printed == record.content_sha256
        signed_file_matches = None
        if signed_file or (record.signed_pdf_sha256 and file_sha == record.signed_pdf_sha256):
            signed_file_matches = file_sha == record.signed_pdf_sha256
        matches = hash_matches and signed_file_matches is not False
        status = _(STATUSES[record.status])
        if matches:
            message = _("Agreement {number} (version {version}) matches the stored document; it is {status}.").format(
                number=number, version=record.version, status=status
            )
            if record.status == SIGNED and record.signed_on:
                message += " " + _("Signed on {date}.").format(date=record.signed_on.isoformat())
            if record.status == VOIDED:
                message += " " + _("Voided on {date}: {reason}").format(
                    date=record.voided_on.isoformat() if record.voided_on else "", reason=record.void_reason
                )
        elif not stored_ok:
            message = _("The stored agreement {number} does not match its own hash: the store was changed.").format(
                number=number
            )
        elif not hash_matches:
            message = _(
                "The hash printed on this PDF does not match agreement {number}: the document was changed."
            ).format(number=number)
        else:
            message = _(
                "This PDF is not the signed file of agreement {number}: its content was changed after signing."
            ).format(number=number)
        return Verification(
            found=True,
            matches=matches,
            number=number,
            version=record.version,
            kind=record.kind,
            status=record.status,
            printed_hash=printed,
            hash_matches=hash_matches,
            file_sha256=file_sha,
            signed_file=signed_file,
            signed_file_matches=signed_file_matches,
            signed_on=record.signed_on,
            voided_on=record.voided_on,
            void_reason=record.void_reason,
            message=message,
        )
