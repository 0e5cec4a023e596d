"""Learning accounts for tests, opened through the real services."""

import itertools

from stdnum.cn import ric

from accounts.services import Identity
from branches.services.accounts import account_open_online
from tests.accounts.factories import UserFactory

_serial = itertools.count(100)


def resident_id(serial: int | None = None, *, birth: str = "19900307") -> str:
    """A valid 18-character mainland ID number (Yuzhong district, Chongqing)."""
    body = f"500103{birth}{(serial if serial is not None else next(_serial)) % 1000:03d}"
    return body + ric.calc_check_digit(body + "0")


def identity(**overrides) -> Identity:
    number = overrides.pop("id_number", None) or resident_id()
    values = {
        "real_name": "张三",
        "id_type": "resident_id",
        "id_number": number,
        "birth_date": ric.get_birth_date(number) if len(number) == 18 else None,
        "mobile": "13800138000",
        "education": "bachelor",
        "work_unit": "",
    }
    values.update(overrides)
    return Identity(**values)


def open_account(*, branch, user=None, **overrides):
    """An online account, pending verification, homed at ``branch``."""
    user = user or UserFactory()
    return account_open_online(acting_user=user, branch=branch, identity=identity(**overrides))
