"""Bundles: the files that carry changes between a village laptop and the township office (issue 5).

A bundle (``.xjb``) is a ZIP archive (the journal deflated, attachments stored) sealed to its one recipient:

``manifest.json``
    format and version, the application's version, bundle id, source (device id, public keys, name,
    former ids, provisioning id), target (the recipient's device id and name: signed, so that a bundle
    sealed again to another computer is refused), kind (full/incremental), scope, ``covers`` (per origin
    device, the change counters it holds without a gap), counts, the SHA-256 of every part, the
    names of the devices it mentions, ``sizes`` (what every part inflates to: read no further; bundles
    of earlier versions have none, and a part of theirs is read up to ``UNDECLARED_PART_LIMIT``), and a
    receipt (what the source holds of every origin, so the recipient's next bundle starts after that).
``manifest.sig``
    Ed25519 signature of ``manifest.json`` by the source device.  The manifest holds the hash of
    every other part, so the signature covers the whole bundle.
``changes.tsv``
    journal entries (core.sync.change_log), one a line: origin, seq, hlc, table, row, op, village, payload,
    bases, separated by tabs (the payloads are JSON text, which holds no raw tab or line break).
``derived.json``
    for each household created in the bundle, the list's derived columns as its sender computed them
    (head, population, step, flags, …), for receivers of earlier versions: checked for its shape and
    otherwise not used (issue 13, case 9: the receiver computes them from the records it receives).
``runs.json``
    the signed runs of the changes it carries (core.sync.runs: each device signs its own changes, a run
    at a time, and the signatures travel with them), with the hashes of a run's changes left out; the
    township's manifest names in ``keys`` the signing keys of the origins whose runs it passes on.
``attachments/<sha256>``
    each file the changes name (signatures, scans, signed PDFs, photos), once.

The modules of a bundle's life: ``sealing`` (the encryption to its recipient), ``roles`` (who is who, who sends
to whom), ``exporting`` (what goes in it, written by ``usb_stick.write_safely``), ``checking`` (read,
decrypt, verify and check before anything is written: a refused bundle raises ``SyncError`` naming the
reason, and the store is not touched), ``importing`` (applied by ``merge`` after a backup, in one durable
transaction), ``round_trip`` (the self-test).  This module, which imports none of them, holds what they
share: the format's constants, ``SyncError`` and ``Progress``.
"""

from __future__ import annotations

from collections.abc import Callable

MAGIC = b"XJB1"
FORMAT = "xinjie-desktop/bundle"
VERSION = 1
SUFFIX = ".xjb"
CHUNK = 1024 * 1024
SIGNING_CONTEXT = b"xinjie-desktop bundle manifest v1\n"
# Columns naming a file (blob) that travels with the record.
BLOB_COLUMNS = {
    "attachment": ("sha256",),
    "agreement": ("scan_sha256", "signed_pdf_sha256"),
    "agreement_signature": ("image_sha256",),
    "demolition_acceptance": ("photo_sha256",),
    "team_visit_photo": ("sha256",),  # issue 20
    "weekly_report_photo": ("sha256",),  # issue 20: the weekly reports' photos
    "fund_payment": ("acknowledgement_sha256",),
}

# What a bundle may make this program read before it is refused (issue 13, case 12; docs/design/sync.md §9).
# The tests change them; code reads them from this module when it uses them.
HEADER_LIMIT = 64 * 1024  # the sealed file's header (JSON)
PAYLOAD_LIMIT = 4 * 1024**3  # the archive in a sealed file, as its header declares it: checked before reading the file
MANIFEST_LIMIT = 16 * 1024**2  # manifest.json inflated, read before its signature is checked
MANIFEST_ENTRIES = (
    500_000  # its commas and brackets, counted before it is parsed (parsed JSON takes more than its text)
)
SIGNATURE_LIMIT = 1024  # manifest.sig (an Ed25519 signature is 64 bytes)
UNDECLARED_PART_LIMIT = 1024**3  # a part inflated, of a bundle whose manifest declares no sizes (written before)

Progress = Callable[[int, int], bool]  # (done, total) → False to cancel


class SyncError(Exception):
    """A refused bundle or export; ``str()`` is a message for the user (nothing was changed).  ``imported``: when
    an import stops at this bundle, the results of the bundles before it, committed (``importing``)."""

    imported: tuple = ()
