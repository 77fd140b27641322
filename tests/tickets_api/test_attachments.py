"""Attachments: streamed storage, limits (413), type sniffing (415), safe download, removal."""

import hashlib
import io
import zipfile

import pytest

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 200
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 200
HTML_AS_PNG = b"<html><script>alert(1)</script></html>"


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(user, ticket_id, data: bytes, name: str):
    return user.post(
        f"/api/tickets/{ticket_id}/attachments",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


@pytest.mark.parametrize(
    "data,name,mime",
    [
        (PNG, "screen.png", "image/png"),
        (PDF, "invoice.pdf", "application/pdf"),
        ("Plain notes, ünïcode.\n".encode(), "notes.txt", "text/plain"),
        (PNG, "misnamed.exe", "image/png"),  # the bytes decide, not the name
    ],
)
def test_accepted_types_are_sniffed_from_the_bytes(app, people, make_ticket, data, name, mime):
    ticket_id = make_ticket("new")
    response = upload(people["employee"], ticket_id, data, name)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["content_type"] == mime
    assert body["size"] == len(data)
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    download = people["employee"].get(f"/api/tickets/{ticket_id}/attachments/{body['id']}")
    assert download.status_code == 200
    assert download.data == data
    assert download.headers["Content-Type"].startswith(mime)
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "data,name",
    [
        (EXE, "setup.png"),
        (HTML_AS_PNG, "x.png"),
        (b"\x00\x01\x02binary", "blob.txt"),
        (b"", "empty.txt"),
    ],
)
def test_refused_types_are_415_and_leave_no_file(app, people, make_ticket, data, name):
    ticket_id = make_ticket("new")
    before = _files(app)
    response = upload(people["employee"], ticket_id, data, name)
    assert response.status_code == 415, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert _files(app) == before
    assert people["employee"].get(f"/api/tickets/{ticket_id}/attachments").get_json()["items"] == []


def test_office_documents_are_accepted(people, make_ticket):
    response = upload(people["employee"], make_ticket("new"), _docx(), "plan.docx")
    assert response.status_code == 201
    assert "wordprocessingml" in response.get_json()["content_type"]


def test_too_large_is_413(app, people, make_ticket):
    ticket_id = make_ticket("new")
    config = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = config.replace(max_upload_mb=1)
    try:
        response = upload(people["employee"], ticket_id, PNG + b"\x00" * (1024 * 1024), "big.png")
    finally:
        app.config["TTS_CONFIG"] = config
    assert response.status_code == 413
    assert response.mimetype == "application/problem+json"
    # Above the whole-request cap, werkzeug refuses before reading the body: also a problem.
    huge = upload(
        people["employee"], ticket_id, b"\x00" * (app.config["MAX_CONTENT_LENGTH"] + 10), "x"
    )
    assert huge.status_code == 413
    assert huge.mimetype == "application/problem+json"


def test_hostile_file_names_are_neutralised(people, make_ticket):
    ticket_id = make_ticket("new")
    body = upload(people["employee"], ticket_id, PNG, "..\\..\\etc/pass\twd.png").get_json()
    assert body["filename"] == "passwd.png"
    download = people["employee"].get(f"/api/tickets/{ticket_id}/attachments/{body['id']}")
    assert "\r" not in download.headers["Content-Disposition"]


def test_removal_by_uploader_or_admin_only(app, people, make_ticket):
    ticket_id = make_ticket("new")
    attachment = upload(people["employee"], ticket_id, PNG, "a.png").get_json()
    url = f"/api/tickets/{ticket_id}/attachments/{attachment['id']}"
    assert (
        people["coordinator"]
        .raw.delete(url, headers={"Authorization": f"Bearer {people['coordinator'].token}"})
        .status_code
        == 403
    )
    files = _files(app)
    assert (
        people["employee"]
        .raw.delete(url, headers={"Authorization": f"Bearer {people['employee'].token}"})
        .status_code
        == 204
    )
    assert len(_files(app)) == len(files) - 1
    assert people["employee"].get(url).status_code == 404
    other = upload(people["employee"], ticket_id, PNG, "b.png").get_json()
    admin_url = f"/api/tickets/{ticket_id}/attachments/{other['id']}"
    assert (
        people["admin"]
        .raw.delete(admin_url, headers={"Authorization": f"Bearer {people['admin'].token}"})
        .status_code
        == 204
    )


def test_attachment_ids_are_scoped_to_their_ticket(people, make_ticket):
    first, second = make_ticket("new"), make_ticket("new")
    attachment = upload(people["employee"], first, PNG, "a.png").get_json()
    assert (
        people["employee"].get(f"/api/tickets/{second}/attachments/{attachment['id']}").status_code
        == 404
    )


def _files(app):
    root = app.config["TTS_CONFIG"].media_path / "attachments"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_a_failed_upload_leaves_no_file_behind(app, people, make_ticket, monkeypatch):
    from tickets_api import attachments

    ticket_id = make_ticket("new")
    before = _files(app)

    def fail(*args, **kwargs):
        raise RuntimeError("the database went away")

    # The file is in place when the transaction fails: it must go with the rollback.
    monkeypatch.setattr(attachments.history, "record", fail)
    response = upload(people["employee"], ticket_id, PNG, "screen.png")
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    assert _files(app) == before
    monkeypatch.undo()
    assert upload(people["employee"], ticket_id, PNG, "screen.png").status_code == 201
    assert len(_files(app)) == len(before) + 1


@pytest.mark.parametrize("status", ["closed", "rejected", "withdrawn"])
def test_a_ticket_that_is_over_takes_no_more_files(app, people, make_ticket, status):
    ticket_id = make_ticket(status)
    response = upload(people["employee"], ticket_id, PNG, "late.png")
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    listed = people["employee"].get(f"/api/tickets/{ticket_id}/attachments").get_json()
    assert listed["items"] == []


@pytest.mark.parametrize(
    "data,name,saved_as",
    [
        (PNG, "evil.html", "evil.png"),
        (PNG, "photo.JPG", "photo.png"),
        (PDF, "report", "report.pdf"),
        (b"a,b\n1,2\n", "table.csv", "table.csv"),
        (b"just text, named as an image", "notes.svg", "notes.txt"),
        (PNG, "shot.png", "shot.png"),
    ],
)
def test_a_download_is_named_for_what_its_bytes_are(app, people, make_ticket, data, name, saved_as):
    ticket_id = make_ticket("new")
    created = upload(people["employee"], ticket_id, data, name)
    assert created.status_code == 201, created.get_json()
    download = people["employee"].get(
        f"/api/tickets/{ticket_id}/attachments/{created.get_json()['id']}"
    )
    assert f"filename={saved_as}" in download.headers["Content-Disposition"]


def test_quotas_per_ticket_and_per_person(app, people, make_ticket):
    config = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = config.replace(ticket_max_files=2, user_daily_upload_mb=1)
    try:
        ticket_id = make_ticket("new")
        for n in range(2):
            assert upload(people["employee"], ticket_id, PNG, f"{n}.png").status_code == 201
        third = upload(people["employee"], ticket_id, PNG, "2.png")
        assert third.status_code == 413 and "at most 2 files" in third.get_json()["detail"]
        other = make_ticket("new")
        big = b"%PDF-1.7\n" + b"0" * (1024 * 1024)
        daily = upload(people["employee"], other, big, "big.pdf")
        assert daily.status_code == 413 and "a day" in daily.get_json()["detail"]
        listed = people["employee"].get(f"/api/tickets/{other}/attachments").get_json()
        assert listed["items"] == []  # refused files leave nothing behind
    finally:
        app.config["TTS_CONFIG"] = config


def _submit(user, files: list[tuple[bytes, str]], **ticket):
    import json

    from tests.support import TICKET

    return user.post(
        "/api/tickets/with-attachments",
        data={
            "ticket": json.dumps({**TICKET, **ticket}),
            "files": [(io.BytesIO(data), name) for data, name in files],
        },
        content_type="multipart/form-data",
    )


def test_a_ticket_and_its_files_are_created_together_or_not_at_all(app, people):
    from sqlalchemy import func, select

    from common.db import db
    from common.models.tickets import Attachment, Ticket, TicketsOutbox
    from tickets_api.attachments import media_root

    def counts():
        with app.app_context():
            return tuple(
                db.session.scalar(select(func.count()).select_from(model))
                for model in (Ticket, Attachment, TicketsOutbox)
            ) + (sum(1 for path in media_root().rglob("*") if path.is_file()),)

    before = counts()
    # An .exe renamed .png, beside a good file: refused, naming it; nothing is left.
    refused = _submit(people["employee"], [(PNG, "screen.png"), (EXE, "photo.png")])
    assert refused.status_code == 415, refused.get_json()
    assert refused.mimetype == "application/problem+json"
    assert refused.get_json()["file"] == "photo.png"
    assert refused.get_json()["detail"].startswith("photo.png: ")
    assert counts() == before
    invalid = _submit(people["employee"], [(PNG, "screen.png")], subject="")
    assert invalid.status_code == 422 and "subject" in invalid.get_json()["errors"]
    assert counts() == before
    created = _submit(people["employee"], [(PNG, "screen.png"), (PDF, "invoice.pdf")])
    assert created.status_code == 201, created.get_json()
    ticket = created.get_json()
    files = people["employee"].get(f"/api/tickets/{ticket['id']}/attachments").get_json()
    assert [f["filename"] for f in files["items"]] == ["screen.png", "invoice.pdf"]
    assert people["employee"].get(f"/api/tickets/{ticket['id']}").get_json()["status"] == "new"
