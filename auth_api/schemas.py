from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from common.ids import IdField
from common.lengths import fits
from common.models.auth import Role, System, User

Password = lambda **kw: fields.Str(validate=validate.Length(min=1, max=1024), **kw)  # noqa: E731
Name = lambda **kw: fields.Str(validate=fits(User.name), **kw)  # noqa: E731
RoleName = lambda **kw: fields.Str(validate=fits(Role.name), **kw)  # noqa: E731


class LoginIn(Schema):
    email = fields.Email(required=True)
    password = Password(required=True)
    # Staff with two-factor on: a TOTP code, or one of their recovery codes.
    otp = fields.Str(load_default=None, validate=validate.Length(max=10))
    recovery_code = fields.Str(load_default=None, validate=validate.Length(max=40))


class RefreshIn(Schema):
    refresh_token = fields.Str(required=True, validate=validate.Length(max=4096))


class UserOut(Schema):
    id = fields.Int()
    email = fields.Str()
    name = fields.Str()
    roles = fields.Dict(keys=fields.Str(), values=fields.List(fields.Str()))


class TokensOut(Schema):
    access_token = fields.Str()
    refresh_token = fields.Str()
    token_type = fields.Str()
    expires_in = fields.Int()
    user = fields.Nested(UserOut)


class WebSessionOut(Schema):
    """Web login: the tokens are in HttpOnly cookies, never in the body."""

    expires_in = fields.Int()
    user = fields.Nested(UserOut)


class JwksOut(Schema):
    keys = fields.List(fields.Dict())


class ProfileIn(Schema):
    name = Name(required=True)


class PasswordChangeIn(Schema):
    current_password = Password(required=True)
    new_password = Password(required=True)


class RegisterIn(Schema):
    email = fields.Email(required=True)
    name = Name(required=True)
    password = Password(required=True)


class EmailIn(Schema):
    email = fields.Email(required=True)


class TokenPasswordIn(Schema):
    token = fields.Str(required=True, validate=validate.Length(min=1, max=200))
    password = Password(required=True)


class RoleRef(Schema):
    system = fields.Str(required=True, validate=validate.Length(min=1, max=20))
    role = RoleName(required=True)


class UserIn(Schema):
    email = fields.Email(required=True)
    name = Name(required=True)
    roles = fields.List(fields.Nested(RoleRef), load_default=list)


class UserPatch(Schema):
    email = fields.Email()
    name = Name()


class UserAdminOut(UserOut):
    is_active = fields.Bool()
    registration = fields.Str(allow_none=True)
    created_at = fields.DateTime()
    last_login_at = fields.DateTime(allow_none=True)
    invitation_pending = fields.Function(lambda user: not user.password_hash)
    mfa_enabled = fields.Function(lambda user: user.mfa_enabled_at is not None)
    roles = fields.Function(lambda user: user.roles_by_system())


USER_STATUSES = ["active", "deactivated", "invited", "pending"]


class UserSearchArgs(Schema):
    q = fields.Str(validate=validate.Length(max=100))
    system = fields.Str(validate=validate.Length(max=20))
    role = RoleName(metadata={"description": "holds this role (of `system`, when given)"})
    active = fields.Bool()
    status = fields.Str(
        validate=validate.OneOf(USER_STATUSES),
        metadata={
            "description": "active (signed up, not deactivated), deactivated, invited (no "
            "password set yet) or pending (a self-registration awaiting review)"
        },
    )
    page = fields.Int(load_default=1, validate=validate.Range(min=1, max=100_000))
    per_page = fields.Int(load_default=25, validate=validate.Range(min=1, max=100))


class UserPage(Schema):
    items = fields.List(fields.Nested(UserAdminOut))
    total = fields.Int()
    page = fields.Int()
    per_page = fields.Int()


class RegistrationArgs(Schema):
    status = fields.Str(load_default="pending", validate=validate.OneOf(["pending", "rejected"]))


class SystemIn(Schema):
    slug = fields.Str(required=True, validate=validate.Regexp(r"^[a-z][a-z0-9_-]{1,19}$"))
    name = fields.Str(required=True, validate=fits(System.name))


class SystemOut(Schema):
    id = fields.Int()
    slug = fields.Str()
    name = fields.Str()


class RoleIn(Schema):
    name = RoleName(required=True)
    description = fields.Str(load_default="", validate=validate.Length(max=500))


class RolePatch(Schema):
    name = RoleName()
    description = fields.Str(validate=validate.Length(max=500))


class RoleOut(Schema):
    id = fields.Int()
    system = fields.Function(lambda role: role.system.slug)
    name = fields.Str()
    description = fields.Str()
    version = fields.Int()


class GrantIn(Schema):
    user_id = IdField(required=True)
    role = RoleName(required=True)
    settings = fields.Dict(load_default=None, allow_none=True)


class GrantPatch(Schema):
    is_active = fields.Bool()
    settings = fields.Dict()

    @validates_schema
    def _something(self, data, **kwargs):
        if not data:
            raise ValidationError("Give is_active or settings.")


class GrantArgs(Schema):
    role_id = IdField()
    user_id = IdField()
    active = fields.Bool()


class GrantOut(Schema):
    id = fields.Int()
    user_id = fields.Int()
    user_email = fields.Function(lambda grant: grant.user.email)
    user_name = fields.Function(lambda grant: grant.user.name)
    system = fields.Function(lambda grant: grant.role.system.slug)
    role = fields.Function(lambda grant: grant.role.name)
    role_id = fields.Int()
    is_active = fields.Bool()
    settings = fields.Dict()
    version = fields.Int()
    assigned_at = fields.DateTime()


class CodeIn(Schema):
    code = fields.Str(required=True, validate=validate.Length(min=6, max=10))


class MfaDisableIn(Schema):
    password = Password(required=True)
    code = fields.Str(load_default=None, validate=validate.Length(max=10))
    recovery_code = fields.Str(load_default=None, validate=validate.Length(max=40))


class MfaEnrolOut(Schema):
    secret = fields.Str()
    otpauth_uri = fields.Str()
    qr_code = fields.Str(metadata={"description": "the URI as a QR code: a PNG data: URI"})


class RecoveryCodesOut(Schema):
    recovery_codes = fields.List(fields.Str())


class MfaStatusOut(Schema):
    enabled = fields.Bool()
    offered = fields.Bool()
    recovery_codes_left = fields.Int()
