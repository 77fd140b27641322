"""What a ticket's attachments may add up to, and the name a download is saved under.

- A closed, rejected or withdrawn ticket takes no more files (409): it is over.
- Quotas bound what one ticket, and one person in a day, can put on the disk: without
  them one account could fill it (TTS_TICKET_UPLOAD_MB, TTS_TICKET_MAX_FILES,
  TTS_USER_DAILY_UPLOAD_MB).
- A download's extension follows the type sniffed from its bytes: a PNG uploaded as
  ``evil.html`` is saved as ``evil.png``, never as a page a browser would run.
"""

from __future__ import annotations

import os
from datetime import timedelta

from flask import current_app
from sqlalchemy import func, select

from common.db import db, utcnow
from common.models.tickets import Attachment, Ticket
from common.problems import Conflict, DomainError

# The extension each accepted type is saved with; the others a type may keep as uploaded.
EXTENSIONS = {
    "application/pdf": (".pdf",),
    "image/png": (".png",),
    "image/jpeg": (".jpg", ".jpeg"),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/zip": (".zip",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (".pptx",),
    # Plain text under these names opens as text everywhere.
    "text/plain": (".txt", ".log", ".csv", ".md", ".json", ".yaml", ".yml", ".ini", ".conf"),
}
OVER = ("closed", "rejected", "withdrawn")


class QuotaExceeded(DomainError):
    status = 413
    title = "Content Too Large"


def check_open(ticket: Ticket) -> None:
    if ticket.status in OVER:
        raise Conflict(f"Ticket {ticket.number} is {ticket.status}: it takes no more files")


def check_quota(ticket: Ticket, uploader_id: int, size: int) -> None:
    """Raise ``QuotaExceeded`` if a file of ``size`` bytes would pass a quota."""
    config = current_app.config["TTS_CONFIG"]
    count, total = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.ticket_id == ticket.id
        )
    ).one()
    if count >= config.ticket_max_files:
        raise QuotaExceeded(f"A ticket holds at most {config.ticket_max_files} files")
    if total + size > config.ticket_upload_mb * 2**20:
        raise QuotaExceeded(f"A ticket's files may add up to {config.ticket_upload_mb} MB")
    today = db.session.scalar(
        select(func.coalesce(func.sum(Attachment.size), 0)).where(
            Attachment.uploaded_by == uploader_id,
            Attachment.created_at > utcnow() - timedelta(days=1),
        )
    )
    if today + size > config.user_daily_upload_mb * 2**20:
        raise QuotaExceeded(
            f"One person may upload {config.user_daily_upload_mb} MB a day; try tomorrow"
        )


def download_name(attachment: Attachment) -> str:
    stem, extension = os.path.splitext(attachment.filename)
    allowed = EXTENSIONS.get(attachment.content_type, ())
    if extension.lower() in allowed or not allowed:
        return attachment.filename
    return (stem or "attachment") + allowed[0]
