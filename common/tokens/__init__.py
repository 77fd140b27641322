"""Access tokens, from key file to verified claims: one module per step.

- ``keys``: the RS256 key files (loading, generation in development, rotation) and the
  JWKS document.
- ``keyring``: this process's key set: the key auth_api signs with and the public key
  chosen by a token's ``kid``, re-read after a rotation without a restart.
- ``verifier``: flask-jwt-extended set up once for every service (RS256 only, issuer,
  audience, cookies with CSRF, problem answers), with verified tokens remembered.
- ``revocation``: tokens refused after logout, deactivation or a change of roles, checked
  on every request from an in-process copy of the revocations table.

Who the caller then is (the ``Principal``, ``caller()``, ``require_auth``) is
``common.security``.
"""
