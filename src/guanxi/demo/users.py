"""One demo login per role, each in the org unit where that role works, with a known password.

The demo is meant to be explored role by role (what does a dealer's salesperson see,
what does the call center see), so the logins are printed at every `guanxi demo` run.
"""

import unicodedata
from typing import NamedTuple

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from guanxi.contact_center.models import Agent
from guanxi.core.models import Membership, OrgUnit, User
from guanxi.core.roles import Role
from guanxi.demo.catalog import CALL_CENTER_CODE, DEALERS, HQ_CODE, SERVICE_STATIONS

DEMO_PASSWORD = "guanxi-demo"
# the demo agent's skills (levels 1–5), how many contacts of each channel they take at once, and the
# extension the PBX rings (docs/contact-center-channels.md)
AGENT_ROSTER_ENTRY = {"skills": {"sales": 3, "warranty": 4, "complaint": 3}, "languages": ["zh", "en"],
                      "capacity": {"voice": 1, "chat": 3, "email": 5}, "state": "available", "extension": "8001"}

ROLE_UNITS = {
    Role.ADMIN: HQ_CODE,
    Role.HQ_SALES: HQ_CODE,
    Role.HQ_MARKETING: HQ_CODE,
    Role.ANALYST: HQ_CODE,
    Role.AGENT: CALL_CENTER_CODE,
    Role.SUPERVISOR: CALL_CENTER_CODE,
    Role.DEALER_MANAGER: DEALERS[0].code,
    Role.DEALER_SALES: DEALERS[0].code,
    Role.SERVICE_ADVISOR: SERVICE_STATIONS[0].code,
}


class DemoLogin(NamedTuple):
    username: str
    password: str
    role: str
    org_unit: str


@transaction.atomic
def ensure_demo_users() -> list[DemoLogin]:
    """Create the demo users that do not exist yet (username = role); the org tree must exist."""
    units = OrgUnit.objects.in_bulk(set(ROLE_UNITS.values()), field_name="code")
    existing = set(User.objects.filter(username__in=ROLE_UNITS.keys()).values_list("username", flat=True))
    password_hash = None  # hashing is slow on purpose: once for all the users
    logins = []
    for role, unit_code in ROLE_UNITS.items():
        unit = units[unit_code]
        if role.value not in existing:
            password_hash = password_hash or make_password(DEMO_PASSWORD)
            is_admin = role == Role.ADMIN
            user = User.objects.create(username=role.value, password=password_hash, is_superuser=is_admin,
                                       is_staff=is_admin)
            Membership.objects.create(user=user, org_unit=unit, role=Group.objects.get(name=role.value))
            if role == Role.AGENT:  # on the call center's roster, so the home page shows their queue
                Agent.objects.create(user=user, **AGENT_ROSTER_ENTRY)
        logins.append(DemoLogin(role.value, DEMO_PASSWORD, str(role.label), f"{unit.code} {unit.name}"))
    return logins


def _display_width(text: str) -> int:
    """Columns on a terminal: Chinese characters take two."""
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def format_logins(logins: list[DemoLogin]) -> str:
    rows = [DemoLogin("username", "password", "role", "org unit"), *logins]
    widths = [max(_display_width(str(row[i])) for row in rows) for i in range(len(DemoLogin._fields))]
    lines = ["  ".join(str(value) + " " * (width - _display_width(str(value))) for value, width in zip(row, widths))
             for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join(line.rstrip() for line in lines)
