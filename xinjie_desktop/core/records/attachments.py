"""Supporting files kept with a household, e.g. the papers behind an ID-4 reconciliation.

Files are read whole, hashed with SHA-256 and stored once per content.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinjie_desktop.core.records import access
from xinjie_desktop.core.rules.permissions import Action
from xinjie_desktop.core.store.database import Store
from xinjie_desktop.core.store.models import Attachment, Blob, Household
from xinjie_desktop.i18n import N_, _

PURPOSES = {
    "reconciliation": N_("population reconciliation (ID-4)"),
    "recheck": N_("shop/row house re-check (ID-7)"),
    "other": N_("other supporting file"),
}
MAX_BYTES = 20 * 1024 * 1024


class AttachmentError(ValueError):
    pass


def read_file(path: Path | str) -> bytes:
    """The bytes of a scan, photo or document a user chose; AttachmentError (a message) if unusable."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise AttachmentError(
            _("The file {name} cannot be read: {error}").format(name=path.name, error=error.strerror)
        ) from None
    if not data:
        raise AttachmentError(_("The file {name} is empty.").format(name=path.name))
    if len(data) > MAX_BYTES:
        raise AttachmentError(
            _("The file {name} is larger than 20 MB; scan it at a lower resolution.").format(name=path.name)
        )
    return data


def put_blob(session: Session, data: bytes) -> str:
    """Store ``data`` once under its SHA-256 (flushed, so rows may refer to it); returns the digest."""
    digest = hashlib.sha256(data).hexdigest()
    if session.get(Blob, digest) is None:
        session.add(Blob(sha256=digest, size=len(data), data=data))
        session.flush()
    return digest


def attach(store: Store, household_id: str, path: Path, purpose: str, note: str = "") -> str:
    """Keep a copy of the file at ``path`` with the household; returns the attachment id."""
    if purpose not in PURPOSES:
        raise AttachmentError(_("Unknown kind of supporting file."))
    data = read_file(path)
    with store.unit_of_work() as session:
        access.require_household(store, session, Action.EDIT_HOUSEHOLD, household_id)
        if session.get(Household, household_id) is None:
            raise AttachmentError(_("This household no longer exists in the store."))
        attachment = Attachment(
            household_id=household_id,
            purpose=purpose,
            filename=Path(path).name,
            sha256=put_blob(session, data),
            note=note.strip(),
        )
        session.add(attachment)
        session.flush()
        return attachment.id


def listing(store: Store, household_id: str) -> list[Attachment]:
    with store.session() as session:
        return list(
            session.scalars(
                select(Attachment).where(Attachment.household_id == household_id).order_by(Attachment.created_at)
            )
        )


def content(store: Store, attachment_id: str) -> bytes:
    with store.session() as session:
        attachment = session.get_one(Attachment, attachment_id)
        return session.get_one(Blob, attachment.sha256).data


def remove(store: Store, attachment_id: str) -> None:
    with store.unit_of_work() as session:
        attachment = session.get(Attachment, attachment_id)
        if attachment is not None:
            access.require_household(store, session, Action.EDIT_HOUSEHOLD, attachment.household_id)
            session.delete(attachment)
