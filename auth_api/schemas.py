from marshmallow import Schema, fields, validate


class LoginIn(Schema):
    email = fields.Email(required=True)
    password = fields.Str(required=True, validate=validate.Length(min=1, max=1024))


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


class JwksOut(Schema):
    keys = fields.List(fields.Dict())
