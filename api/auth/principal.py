"""The caller of a request: a subject and the one role its token grants."""

from dataclasses import dataclass
from typing import Literal, get_args

from infra.settings import DEV_SUBJECTS, DEV_TOKENS

Role = Literal["customer", "kitchen", "driver", "admin"]
ROLES: frozenset[Role] = frozenset(get_args(Role))
STAFF: frozenset[Role] = frozenset({"kitchen", "driver", "admin"})


@dataclass(frozen=True)
class Principal:
    """Who is asking (``sub``) and as what (``role``)."""

    subject: str
    role: Role

    @property
    def is_staff(self) -> bool:
        """Kitchen, drivers and admins see every order."""
        return self.role in STAFF

    def may_act_for(self, customer_id: str) -> bool:
        """A customer acts for itself only; an admin for anyone (phone orders)."""
        return self.role == "admin" or (self.role == "customer" and self.subject == customer_id)


def as_role(value: object) -> Role | None:
    """``value`` when it is one of the API's roles, else None."""
    for role in ROLES:
        if value == role:
            return role
    return None


def dev_principals() -> dict[str, Principal]:
    """The four fixed dev tokens (dev and test only) and whom each stands for."""
    principals: dict[str, Principal] = {}
    for token, name in DEV_TOKENS.items():
        role = as_role(name)
        assert role is not None, f"dev token {token} names no role"
        principals[token] = Principal(DEV_SUBJECTS[role], role)
    return principals
