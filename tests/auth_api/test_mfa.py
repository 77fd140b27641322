"""TOTP for staff: enrol, confirm, login with a code, no replay, recovery codes, disable."""

import time

import pyotp

from tests.auth_api.helpers import bearer, mint, queued_emails
from tests.support import DEMO_PASSWORD


def _login(client, **extra):
    body = {"email": "agent@example.com", "password": DEMO_PASSWORD, **extra}
    return client.raw.post("/api/auth/login", json=body)


def test_two_factor_lifecycle(app, client, seeded):
    token = mint(app, "agent@example.com")["access_token"]
    enrol = client.raw.post("/api/auth/mfa/enrol", headers=bearer(token)).get_json()
    assert enrol["otpauth_uri"].startswith("otpauth://totp/TTS:agent%40example.com")
    totp = pyotp.TOTP(enrol["secret"])
    bad = client.raw.post("/api/auth/mfa/confirm", json={"code": "000000"}, headers=bearer(token))
    assert bad.status_code == 400
    first = totp.now()
    confirmed = client.raw.post(
        "/api/auth/mfa/confirm", json={"code": first}, headers=bearer(token)
    )
    assert confirmed.status_code == 200
    codes = confirmed.get_json()["recovery_codes"]
    assert len(codes) == 10
    assert [e["template"] for e in queued_emails()] == ["mfa_enabled"]

    needed = _login(client)
    assert needed.status_code == 401 and needed.get_json()["mfa_required"] is True
    # The code used to confirm cannot be replayed (the very code: a slow run may have
    # crossed into the next time step since); the next time step's code works.
    assert _login(client, otp=first).status_code == 401
    next_code = totp.at(time.time() + 30)
    assert _login(client, otp=next_code).status_code == 200
    assert _login(client, otp=next_code).status_code == 401
    # A recovery code works once.
    assert _login(client, recovery_code=codes[0]).status_code == 200
    assert _login(client, recovery_code=codes[0]).status_code == 401

    wrong = client.raw.post(
        "/api/auth/mfa/disable",
        json={"password": "wrong", "recovery_code": codes[1]},
        headers=bearer(token),
    )
    assert wrong.status_code == 403
    off = client.raw.post(
        "/api/auth/mfa/disable",
        json={"password": DEMO_PASSWORD, "recovery_code": codes[1]},
        headers=bearer(token),
    )
    assert off.status_code == 204
    assert _login(client).status_code == 200
    assert "mfa_disabled" in [e["template"] for e in queued_emails()]


def test_employees_are_not_offered_two_factor(app, client, seeded):
    token = mint(app, "employee@example.com")["access_token"]
    status = client.raw.get("/api/auth/mfa", headers=bearer(token)).get_json()
    assert status == {"enabled": False, "offered": False, "recovery_codes_left": 0}


def test_the_enrolment_qr_code_scans_to_the_otpauth_uri(app, client, seeded):
    import base64
    import io

    import zxingcpp
    from PIL import Image

    token = mint(app, "agent@example.com")["access_token"]
    enrol = client.raw.post("/api/auth/mfa/enrol", headers=bearer(token)).get_json()
    prefix, _, encoded = enrol["qr_code"].partition(",")
    assert prefix == "data:image/png;base64"
    image = Image.open(io.BytesIO(base64.b64decode(encoded)))
    # Read back by a real QR decoder, as an authenticator app would. Only QR codes: with
    # every format on, the decoder now and then also "finds" a 1D barcode in the modules.
    found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
    assert [code.text for code in found] == [enrol["otpauth_uri"]]
