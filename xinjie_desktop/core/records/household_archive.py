"""One archive per household (一户一档, issue 18): the household's whole file gathered from the records
services into a view (``documents.archive_views.HouseholdArchive``) and printed as one PDF
(``documents.household_archive``); a village's households, one PDF each, into a folder in the background.

Every figure is the one the other documents print, taken where they take it: the income results from
``rules.income`` (as the income tab and the flags), the plan as ``records.housing_plans`` saved it,
recalculated under its own parameter version (``reopen``, as the plan summary is printed) with its money
from ``rules.household_money``, each agreement's number, status, amounts and pages from
``records.agreements`` (a signed-on-screen agreement's pages are the signed PDF stored at signing), the
notices from ``records.public_notice``, the building stages from ``records.building``, the demolition and its
reward from ``records.demolition``, the attachments with the SHA-256 the store keeps them under.  Nothing here writes to the store.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from xinjie_desktop.core.documents import household_archive as archive_pdf
from xinjie_desktop.core.documents.archive_views import (
    IMAGE,
    OTHER,
    PDF,
    AgreementPart,
    BuildingLine,
    DemolitionPart,
    FileLine,
    FlagLine,
    HouseholdArchive,
    HouseholdObjection,
    HouseholdPart,
    IncomeLine,
    MemberLine,
    NoticeLine,
    PlanPart,
    RelocationPart,
    StepLine,
    StoredFile,
)
from xinjie_desktop.core.documents.file_names import safe_part
from xinjie_desktop.core.documents.notice_views import SUBJECTS, NoticeView
from xinjie_desktop.core.documents.plan_summary import PlanHousehold
from xinjie_desktop.core.records import agreements, building, demolition, households, housing_plans, public_notice
from xinjie_desktop.core.records import relocation as relocation_records
from xinjie_desktop.core.records.attachments import PURPOSES
from xinjie_desktop.core.rules import flags as flag_rules
from xinjie_desktop.core.rules import identification, income, membership
from xinjie_desktop.core.rules.building import stage_label
from xinjie_desktop.core.rules.household_money import household_money
from xinjie_desktop.core.rules.housing_plan import PlanInputError
from xinjie_desktop.core.rules.idnumber import SEX_LABELS
from xinjie_desktop.core.rules.money import from_fen
from xinjie_desktop.core.rules.policy_params import PolicyFileError, PolicyParameters, current
from xinjie_desktop.core.rules.relocation import BUILDING_MODES, EXCLUSIONS, MODES, SIGNERS
from xinjie_desktop.core.rules.vocabulary import (
    ATTRIBUTES,
    CAUSES,
    EDUCATION,
    ETHNICITIES,
    HEALTH,
    IDENTIFICATION_STANDARDS,
    LABOUR,
    RELATIONS,
    SCHOOLING,
)
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import (
    Agreement,
    Attachment,
    Blob,
    DemolitionAcceptance,
    Household,
    Member,
    Township,
    Village,
    VillagerGroup,
)
from xinjie_desktop.i18n import _, language

__all__ = [
    "ArchiveError",
    "VillageArchives",
    "archive_file_name",
    "find_household",
    "household_archive",
    "render_household",
    "render_village",
]


class ArchiveError(ValueError):
    """An archive that cannot be made (no such household, no such village); ``str()`` is for the user."""


def _words(labels: dict[str, str], code: str) -> str:
    return _(labels[code]) if code in labels else code


def _kind_of(data: bytes) -> str:
    if data.startswith(b"%PDF-"):
        return PDF
    try:
        from PIL import Image  # reportlab draws pictures through Pillow

        with Image.open(io.BytesIO(data)) as picture:
            picture.load()
    except Exception:  # not a picture Pillow can read in full: listed with its hash, not shown
        return OTHER
    return IMAGE


def _stored(session: Session, sha256: str | None) -> StoredFile | None:
    if not sha256:
        return None
    blob = session.get(Blob, sha256)
    if blob is None:  # a blob not yet received by sync: the hash still names it
        return StoredFile(sha256, 0, OTHER, b"")
    return StoredFile(sha256, blob.size, _kind_of(blob.data), blob.data)


def find_household(store: Store, key: str) -> str:
    """The id of the household ``key`` names: its id, or the ID number of its head (or of a member, when
    exactly one household holds it); ``ArchiveError`` naming what is wrong otherwise."""
    key = key.strip()
    with store.session() as session:
        if key and session.get(Household, key) is not None:
            return key
        number = key.upper()
        ids = list(session.scalars(select(Household.id).where(Household.head_id_number == number)))
        if not ids:
            ids = sorted(set(session.scalars(select(Member.household_id).where(Member.id_number == number))))
    if len(ids) == 1:
        return ids[0]
    if not ids:
        raise ArchiveError(_("No household with the id or ID number {key} is stored.").format(key=key))
    raise ArchiveError(
        _("The ID number {key} is held by {n} households; give the household's id instead.").format(key=key, n=len(ids))
    )


def _params_for(version: str) -> PolicyParameters:
    try:
        return current(version)
    except PolicyFileError:
        return current()


def _household_part(session: Session, household: Household, params: PolicyParameters) -> HouseholdPart:
    group = session.get(VillagerGroup, household.group_id)
    village = session.get(Village, household.village_id)
    people = len(flag_rules.actual_members(household))  # the actual population (ID-2)
    members = tuple(
        MemberLine(
            name=m.name,
            id_number=m.id_number,
            relation=_words(RELATIONS, m.relation),
            sex=_words(SEX_LABELS, m.sex),
            birth_date=m.birth_date,
            ethnicity=_words(ETHNICITIES, m.ethnicity),
            education=_words(EDUCATION, m.education),
            health=_words(HEALTH, m.health),
            labour=_words(LABOUR, m.labour),
            schooling=_words(SCHOOLING, m.schooling),
            dibao=m.dibao,
            membership=_words(membership.BASES, m.membership_basis),
            counted=m.membership_basis in membership.INCLUDED,  # as flags.actual_members_of counts
            registered=m.registered,
        )
        for m in sorted(household.members, key=lambda m: m.position)
    )
    causes = [household.main_cause, *(c for c in household.secondary_causes.split(",") if c)]
    found = flag_rules.compute(household, params, households.duplicate_numbers(session, household))
    return HouseholdPart(
        id=household.id,
        head_name=household.head_name,
        head_id_number=household.head_id_number,
        village=village.name if village else "",
        group=group.name if group else "",
        address=household.address,
        phone=household.phone,
        national_number=household.national_number,
        system_population=household.system_population,
        actual_population=people,
        attribute=_words(ATTRIBUTES, household.attribute) if household.attribute else "",
        causes=_(", ").join(_words(CAUSES, c) for c in causes if c),
        identification_standard=_words(IDENTIFICATION_STANDARDS, household.identification_standard)
        if household.identification_standard
        else "",
        exited=household.exited,
        exit_year=household.exit_year,
        helper_cadre=household.helper_cadre,
        labour_willing=household.labour_willing,
        reconciliation_note=household.reconciliation_note,
        moved_to_shop_or_row_house=household.moved_to_shop_or_row_house,
        recheck_outcome=household.recheck_outcome,
        workflow_state=_(identification.STATE_LABELS.get(identification.state(household.steps), "")),
        members=members,
        flags=tuple(FlagLine(f.rule, f.label, f.explanation) for f in found),
    )


def _incomes(household: Household, params: PolicyParameters) -> tuple[IncomeLine, ...]:
    population = len(flag_rules.actual_members(household))  # the actual population (ID-2), as the income tab
    return tuple(
        IncomeLine(
            year=sheet.year,
            wage=from_fen(sheet.wage),
            business=from_fen(sheet.business),
            property_income=from_fen(sheet.property_income),
            transfer=from_fen(sheet.transfer),
            production_costs=from_fen(sheet.production_costs),
            result=income.assess(
                sheet.year,
                sheet.wage,
                sheet.business,
                sheet.property_income,
                sheet.transfer,
                sheet.production_costs,
                population,
                params,
            ),
        )
        for sheet in sorted(household.incomes, key=lambda s: s.year)
    )


def _steps(household: Household) -> tuple[StepLine, ...]:
    return tuple(
        StepLine(
            ordinal=s.ordinal,
            step=_words(identification.STEP_LABELS, s.step),
            done_on=s.done_on,
            done_by=s.done_by,
            passed=s.passed,
            notes=s.notes,
            omission_reason=s.omission_reason if s.is_omission else "",
            notice_place=s.notice_place,
            notice_end=s.notice_end,
        )
        for s in sorted(household.steps, key=lambda s: s.ordinal)
    )


def _objections(household: Household) -> tuple[HouseholdObjection, ...]:
    return tuple(
        HouseholdObjection(o.raised_on, o.raised_by, o.content, o.resolution, o.resolved_on)
        for o in sorted(household.objections, key=lambda o: (o.raised_on, o.created_at))
    )


def _notices(notices: list[NoticeView], household_id: str) -> tuple[NoticeLine, ...]:
    lines = []
    for view in notices:
        entry = next((e for e in view.entries if e.household_id == household_id), None)
        if entry is None:
            continue
        lines.append(
            NoticeLine(
                subject=_words(SUBJECTS, view.subject),
                posting_round=view.posting_round,
                where=f"{view.village} {view.group}".strip(),
                place=view.place,
                start_date=view.start_date,
                end_date=view.end_date,
                entry=entry,
                objections=tuple(o for o in view.objections if o.household_id == household_id),
            )
        )
    return tuple(lines)


def _relocation(store: Store, household_id: str, params: PolicyParameters) -> RelocationPart | None:
    if relocation_records.record_id(store, household_id) is None:
        return None
    draft = relocation_records.load(store, household_id)
    area = next((a for a in params.relocation_areas if a.code == draft.area_category), None)
    area_words = (area.zh if language().startswith("zh") else area.en) if area else draft.area_category
    return RelocationPart(
        in_scope=draft.in_scope,
        area=area_words,
        area_reason=draft.area_reason,
        exclusion=_words(EXCLUSIONS, draft.exclusion) if draft.exclusion else "",
        exclusion_reason=draft.exclusion_reason,
        mode=_words(MODES, draft.mode) if draft.mode else "",
        site=draft.site,
        building_mode=_words(BUILDING_MODES, draft.building_mode) if draft.building_mode else "",
        latitude=draft.latitude,
        longitude=draft.longitude,
        notice_start=draft.notice_start,
        notice_end=draft.notice_end,
        notice_place=draft.notice_place,
        objections=draft.objections,
        reverification=draft.reverification,
        signers=tuple((_(label), getattr(draft, role), getattr(draft, f"{role}_signed_on")) for role, label in SIGNERS),
        submitted_on=draft.submitted_on,
        building=_building(store, household_id),
    )


def _building(store: Store, household_id: str) -> tuple[BuildingLine, ...]:
    """The new house's stages reached, as ``records.building`` keeps them (the payments' tranches follow them)."""
    with store.session() as session:
        return tuple(
            BuildingLine(stage_label(r.stage), r.reached_on, r.recorded_by, r.evidence)
            for r in building.stages_in(session, household_id)
        )


def _plan(store: Store, household: HouseholdPart) -> PlanPart | None:
    plans = housing_plans.saved_plans(store, household.id)  # newest first
    if not plans:
        return None
    saved = plans[0]
    try:
        result = housing_plans.reopen(saved)  # what the plan summary of this plan prints
        money = household_money(saved.plan, current(saved.parameters_version), saved.chosen_option)
    except (PlanInputError, PolicyFileError):
        return None
    return PlanPart(
        saved_at=saved.saved_at,
        household=PlanHousehold(
            household.head_name,
            household.head_id_number,
            household.village,
            household.group,
            household.actual_population,
        ),
        plan=saved.plan,
        result=result,
        money=money,
        chosen_option=saved.chosen_option,
        co_investor=saved.co_investor,
        note=saved.note,
        out_of_date=housing_plans.describe_changes(housing_plans.household_changes(store, household.id, saved.plan)),
        earlier_plans=len(plans) - 1,
    )


def _agreements(store: Store, household_id: str) -> tuple[AgreementPart, ...]:
    infos = agreements.versions(store, household_id)
    by_id = {info.id: info for info in infos}
    parts = []
    with store.session() as session:
        scans = {info.id: _stored(session, info.scan_sha256) for info in infos}
    for info in infos:
        previous = by_id.get(info.supersedes_id or "")
        parts.append(
            AgreementPart(
                kind=info.label,
                number=info.number,
                version=info.version,
                status=info.status,
                status_label=_(agreements.STATUSES[info.status]),
                content_sha256=info.content_sha256,
                signing_method=info.signing_method,
                signed_on=info.signed_on,
                fingerprint=info.fingerprint,
                voided_on=info.voided_on,
                void_reason=info.void_reason,
                supersedes=previous.number if previous is not None else "",
                demolition_deadline=info.demolition_deadline,
                amounts=tuple(agreements.amounts(store, info.id).items()),
                # a draft is listed, not printed: its pages could be taken for an agreement in force
                pages=agreements.copy_bytes(store, info.id) if info.status != agreements.DRAFT else None,
                scan=scans[info.id],
            )
        )
    return tuple(parts)


def _demolition(store: Store, household_id: str, today: dt.date) -> DemolitionPart | None:
    with store.session() as session:
        agreement = demolition.signed_demolition_agreement(session, household_id)
        number = agreement.number if agreement is not None else ""
        deadline = agreement.demolition_deadline if agreement is not None else None
    accepted = demolition.acceptance(store, household_id)
    if agreement is None and accepted is None:
        return None
    try:
        due = demolition.reward_due(store, household_id)
    except demolition.DemolitionError:
        due = None
    with store.session() as session:
        photo = _stored(session, accepted.photo_sha256) if accepted is not None else None
    overdue = (today - deadline).days if accepted is None and deadline is not None and today > deadline else 0
    return DemolitionPart(
        agreement_number=number,
        deadline=due.deadline if due is not None and due.deadline else deadline,
        overdue_days=overdue,
        accepted_on=accepted.accepted_on if accepted else None,
        demolished_on=(accepted.demolished_on or accepted.accepted_on) if accepted else None,
        inspector=accepted.inspector if accepted else "",
        photo=photo,
        old_certificate_returned=accepted.old_certificate_returned if accepted else None,
        new_certificate_number=accepted.new_certificate_number if accepted else "",
        reclamation=_words(demolition.RECLAMATIONS, accepted.reclamation) if accepted and accepted.reclamation else "",
        reward_due=due.due if due is not None else False,
        reward=due.amount if due is not None else Decimal(0),
        reward_rule=due.rule if due is not None else "",
        reward_reason=due.reason if due is not None else "",
    )


def _files(session: Session, household_id: str, parts: tuple[AgreementPart, ...]) -> tuple[FileLine, ...]:
    """The files other records keep: the signed PDFs, the paper copies' scans, the demolition photo."""
    lines = []
    records = session.scalars(
        select(Agreement)
        .where(Agreement.household_id == household_id)
        .where(or_(Agreement.signed_pdf_sha256.is_not(None), Agreement.scan_sha256.is_not(None)))
    ).all()
    order = {p.number: i for i, p in enumerate(parts)}
    for record in sorted(records, key=lambda r: order.get(r.number, 0)):
        for sha256, what in ((record.signed_pdf_sha256, _("signed PDF")), (record.scan_sha256, _("paper copy's scan"))):
            if sha256:
                blob = session.get(Blob, sha256)
                lines.append(FileLine(what, record.number, "", record.signed_on, blob.size if blob else 0, sha256))
    for accepted in session.scalars(
        select(DemolitionAcceptance).where(DemolitionAcceptance.household_id == household_id)
    ):
        if accepted.photo_sha256:
            blob = session.get(Blob, accepted.photo_sha256)
            lines.append(
                FileLine(
                    _("photo of the demolished site"),
                    "",
                    accepted.inspector,
                    accepted.accepted_on,
                    blob.size if blob else 0,
                    accepted.photo_sha256,
                )
            )
    return tuple(lines)


def _attachments(session: Session, household_id: str) -> tuple[FileLine, ...]:
    rows = session.execute(
        select(Attachment, Blob.size)
        .outerjoin(Blob, Blob.sha256 == Attachment.sha256)
        .where(Attachment.household_id == household_id)
        .order_by(Attachment.created_at)
    ).all()
    return tuple(
        FileLine(
            _words(PURPOSES, a.purpose),
            a.filename,
            a.note,
            a.created_at.date() if a.created_at else None,
            size or 0,
            a.sha256,
        )
        for a, size in rows
    )


def household_archive(
    store: Store,
    household_id: str,
    today: dt.date | None = None,
    *,
    notices: list[NoticeView] | None = None,
) -> HouseholdArchive:
    """The household's whole file as the archive prints it (``ArchiveError`` for a household not stored).

    ``notices``: the village's notices (``public_notice.list_notices``), when the caller already has them."""
    today = today or dt.date.today()
    params = current()
    with store.session() as session:
        household = households.load_household(session, household_id)
        if household is None:
            raise ArchiveError(_("No household with the id or ID number {key} is stored.").format(key=household_id))
        town = session.scalar(select(Township))
        part = _household_part(session, household, params)
        incomes = _incomes(household, params)
        steps = _steps(household)
        objections = _objections(household)
        village_id = household.village_id
        attachments = _attachments(session, household_id)
    if notices is None:
        notices = public_notice.list_notices(store, village_id)
    agreement_parts = _agreements(store, household_id)
    with store.session() as session:
        other_files = _files(session, household_id, agreement_parts)
    return HouseholdArchive(
        township=town.name if town else "",
        printed_on=today,
        household=part,
        incomes=incomes,
        steps=steps,
        objections=objections,
        notices=_notices(notices, household_id),
        relocation=_relocation(store, household_id, params),
        plan=_plan(store, part),
        agreements=agreement_parts,
        demolition=_demolition(store, household_id, today),
        attachments=attachments,
        other_files=other_files,
    )


def archive_file_name(view: HouseholdArchive) -> str:
    """``一户一档-<village>-<group>-<head>-<id8>.pdf`` (in the user's language), safe on every file system."""
    household = view.household
    parts = [
        _("household archive").replace(" ", "-"),
        household.village,
        household.group,
        household.head_name or "_",
        household.id[:8],
    ]
    return "-".join(safe_part(p, "_", 40) for p in parts if p) + ".pdf"


def _atomic_write(out: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, out)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def render_household(
    store: Store,
    household_id: str,
    folder: Path | str,
    today: dt.date | None = None,
    *,
    notices: list[NoticeView] | None = None,
) -> Path:
    """Write the household's archive into ``folder`` (named by ``archive_file_name``); returns its path.
    ``OSError`` when the folder cannot be written (nothing is left behind)."""
    view = household_archive(store, household_id, today, notices=notices)
    buffer = io.BytesIO()
    archive_pdf.render_archive(view, buffer)
    out = Path(folder) / archive_file_name(view)
    _atomic_write(out, buffer.getvalue())
    return out


@dataclass(frozen=True)
class VillageArchives:
    files: tuple[Path, ...]
    seconds: float


def render_village(
    store: Store,
    village_id: str,
    folder: Path | str,
    progress: Callable[[int, int], bool] | None = None,
    today: dt.date | None = None,
) -> VillageArchives:
    """One archive PDF per household of the village, written into ``folder`` (made if missing).

    ``progress(done, total)`` is called before the first household and after each; returning False cancels
    (InterruptedError): the archives this run wrote are removed again, so a cancelled run leaves no file."""
    folder = Path(folder)
    with store.session() as session:
        if session.get(Village, village_id) is None:
            raise ArchiveError(_("This village no longer exists in the store."))
        ids = list(
            session.scalars(
                select(Household.id)
                .where(Household.village_id == village_id)
                .order_by(Household.list_key, Household.id)
            )
        )
    if not ids:
        raise ArchiveError(_("This village has no households yet."))
    total = len(ids)
    if progress is not None and not progress(0, total):
        raise InterruptedError("cancelled")
    folder.mkdir(parents=True, exist_ok=True)
    notices = public_notice.list_notices(store, village_id)
    written: list[Path] = []
    started = time.perf_counter()
    try:
        for done, household_id in enumerate(ids, 1):
            written.append(render_household(store, household_id, folder, today, notices=notices))
            if progress is not None and not progress(done, total):
                raise InterruptedError("cancelled")
    except BaseException:
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return VillageArchives(tuple(written), time.perf_counter() - started)
