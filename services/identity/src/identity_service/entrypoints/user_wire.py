"""The wire form of a user (authgate.identity.v1.User); the password hash never leaves."""

from __future__ import annotations

from collections.abc import Iterable

from authgate.identity.v1 import identity_pb2 as pb
from authgate_common.proto_time import timestamp

from ..domain.access.attributes import attributes_json
from ..domain.users import User


def user_message(user: User, mfa_methods: Iterable[str] = ()) -> pb.User:
    return pb.User(id=user.id, username=user.username, email=user.email,
                   email_verified=user.email_verified, name=user.name, given_name=user.given_name,
                   family_name=user.family_name, disabled=user.disabled,
                   created_at=timestamp(user.created_at), updated_at=timestamp(user.updated_at),
                   roles=list(user.roles), groups=list(user.groups),
                   attributes_json=attributes_json(user.attributes), mfa_required=user.mfa_required,
                   mfa_methods=sorted(mfa_methods))
