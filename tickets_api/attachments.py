"""Ticket attachments: streamed to disk, typed by their bytes, served only through checks.

Uploads are copied in chunks to a temporary file beside their final place while the size
is counted and the sha256 computed, so a large file never sits in memory. The type comes
from the file's first bytes (the client's Content-Type and extension are not trusted) and
must be on the allowlist. Files are stored under a random name; the user's file name is
metadata, used only in ``Content-Disposition``.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import unicodedata
from pathlib import Path

import filetype
from flask import current_app
from sqlalchemy import event, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from common.db import db
from common.models.tickets import Attachment, Ticket
from common.problems import DomainError, Forbidden, NotFound
from common.security import Principal
from tickets_api import access, attachment_rules, history

CHUNK = 64 * 1024
UNCOMMITTED_FILES = "tts_uncommitted_files"
SNIFF_BYTES = 8192
ALLOWED_TYPES = set(attachment_rules.EXTENSIONS)


class TooLarge(DomainError):
    status = 413
    title = "Payload Too Large"


class UnsupportedType(DomainError):
    status = 415
    title = "Unsupported Media Type"


def media_root() -> Path:
    return current_app.config["TTS_CONFIG"].media_path / "attachments"


def path_of(attachment: Attachment) -> Path:
    # Two levels of fan-out keep directories small with millions of files.
    name = attachment.stored_name
    return media_root() / name[:2] / name[2:4] / name


def sniff(head: bytes) -> str | None:
    """The MIME type the bytes say, or None. Plain text has no magic: UTF-8 without NULs."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    if not head:
        return None
    try:
        # A multi-byte character may be cut at the end of the sniffed window.
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:
            return None
    if b"\x00" in head:
        return None
    # Markup is not "plain text": refused, even though it would be served as text/plain.
    if head.lstrip()[:1] == b"<":
        return "text/html"
    return "text/plain"


def safe_filename(name: str | None) -> str:
    """A display name without path parts or control characters (kept for the download)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    return name[:255] or "attachment"


def store(principal: Principal, ticket: Ticket, upload: FileStorage) -> Attachment:
    """Save ``upload`` on ``ticket`` (locked by the caller, so quotas count exactly)."""
    attachment_rules.check_open(ticket)
    limit = current_app.config["TTS_CONFIG"].max_upload_mb * 1024 * 1024
    stored_name = secrets.token_hex(16)
    final = media_root() / stored_name[:2] / stored_name[2:4] / stored_name
    final.parent.mkdir(parents=True, exist_ok=True)
    partial = final.with_suffix(".part")
    digest = hashlib.sha256()
    size = 0
    head = b""
    try:
        with open(partial, "wb") as out:
            while chunk := upload.stream.read(CHUNK):
                size += len(chunk)
                if size > limit:
                    raise TooLarge(f"Attachments are limited to {limit // (1024 * 1024)} MB")
                if len(head) < SNIFF_BYTES:
                    head += chunk[: SNIFF_BYTES - len(head)]
                digest.update(chunk)
                out.write(chunk)
        if size == 0:
            raise UnsupportedType("The file is empty")
        content_type = sniff(head)
        if content_type not in ALLOWED_TYPES:
            raise UnsupportedType(
                f"Files of type {content_type or 'unknown'} are not accepted",
                allowed_types=sorted(ALLOWED_TYPES),
            )
        attachment_rules.check_quota(ticket, principal.id, size)
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    _remove_on_rollback(final)
    attachment = Attachment(
        ticket_id=ticket.id,
        stored_name=stored_name,
        filename=safe_filename(upload.filename),
        content_type=content_type,
        size=size,
        sha256=digest.hexdigest(),
        uploaded_by=principal.id,
        uploaded_by_name=principal.name,
    )
    db.session.add(attachment)
    db.session.flush()
    history.record(ticket.id, principal, "attach", {"attachment": (None, attachment.filename)})
    return attachment


def _remove_on_rollback(path: Path) -> None:
    """The file is written before its row commits: if the transaction fails instead, the
    file goes with it (no orphan on disk that no row points to)."""
    db.session.info.setdefault(UNCOMMITTED_FILES, []).append(path)


@event.listens_for(Session, "after_commit")
def _files_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released: the files wait for the real commit
    session.info.pop(UNCOMMITTED_FILES, None)


@event.listens_for(Session, "after_transaction_end")
def _files_not_committed(session: Session, transaction) -> None:
    # The whole transaction ended (not a savepoint) and no commit claimed the files: it
    # was rolled back or closed, so they go.
    if transaction.parent is not None:
        return
    for path in session.info.pop(UNCOMMITTED_FILES, ()):
        path.unlink(missing_ok=True)


def listed(ticket_id: int) -> list[Attachment]:
    return db.session.scalars(
        select(Attachment).where(Attachment.ticket_id == ticket_id).order_by(Attachment.id)
    ).all()


def get(ticket_id: int, attachment_id: int) -> Attachment:
    attachment = db.session.get(Attachment, attachment_id)
    if attachment is None or attachment.ticket_id != ticket_id:
        raise NotFound(f"Attachment {attachment_id} not found")
    return attachment


def remove(principal: Principal, ticket: Ticket, attachment_id: int) -> Path:
    """Delete the row; returns the file to unlink once the deletion is committed."""
    attachment = get(ticket.id, attachment_id)
    if attachment.uploaded_by != principal.id and not access.is_admin(principal):
        raise Forbidden("Only the uploader or an admin may remove an attachment")
    db.session.delete(attachment)
    db.session.flush()
    history.record(ticket.id, principal, "detach", {"attachment": (attachment.filename, None)})
    return path_of(attachment)
