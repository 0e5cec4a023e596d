import time
from pathlib import Path

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.core.management import call_command
from django.urls import reverse

from accounts.models import Institution
from accounts.roles import roles_of
from branches.models import BranchCentre, Centre, District, ServicePoint
from creditbank.audit import verify_chain
from tests.conftest import ALL_ROLES

pytestmark = pytest.mark.django_db

DEMO_USERNAMES = {
    "learner": "learner",
    "institution_admin": "inst_admin",
    "institution_clerk": "inst_clerk",
    "institution_reviewer": "inst_reviewer",
    "branch_manager": "branch_manager",
    "branch_staff": "branch_staff",
    "centre_admin": "centre_admin",
    "expert": "expert",
    "quality_auditor": "auditor",
    "committee_member": "committee",
    "system_admin": "sysadmin",
    "security_admin": "secadmin",
    "audit_admin": "auditadmin",
}


def test_seed_demo_covers_every_role_and_is_idempotent(django_user_model, capsys):
    call_command("seed_demo")
    counts = [
        m.objects.count()
        for m in (django_user_model, Institution, Centre, BranchCentre, ServicePoint, District)
    ]
    call_command("seed_demo")
    assert counts == [
        m.objects.count()
        for m in (django_user_model, Institution, Centre, BranchCentre, ServicePoint, District)
    ]
    assert set(DEMO_USERNAMES) == set(ALL_ROLES)
    for role, username in DEMO_USERNAMES.items():
        user = django_user_model.objects.get(username=username)
        assert role in roles_of(user), (role, roles_of(user))
        assert user.check_password("CreditBank-2026")
        assert user.emailaddress_set.filter(verified=True, primary=True).exists()
    assert District.objects.filter(city="chongqing").count() == 38
    account = django_user_model.objects.get(username="learner").learner_account
    assert account.status == "active" and account.home.branch.name == "渝中区分中心"
    assert verify_chain().intact
    out = capsys.readouterr().out
    assert "role | username | password | totp" in out


def test_the_three_administrator_powers_are_three_people(django_user_model):
    call_command("seed_demo")
    holders = [
        set(roles_of(django_user_model.objects.get(username=u)))
        & {"system_admin", "security_admin", "audit_admin"}
        for u in ("sysadmin", "secadmin", "auditadmin")
    ]
    assert all(len(h) == 1 for h in holders)


def _readme_rows():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    table = readme.split("| role | username | password | totp |")[1].split("\n\n")[0]
    for line in table.strip().splitlines()[1:]:
        role, username, password, totp = (cell.strip() for cell in line.strip("|").split("|"))
        yield role, username, password, totp


def test_the_readme_demo_table_signs_in_every_role(client):
    """Anyone trying the demo can sign in as each role from the README, staff with TOTP."""
    call_command("seed_demo")
    rows = list(_readme_rows())
    # One person per role, and the second expert and clerks conversion's demo adds.
    assert {username for _r, username, _p, _t in rows} >= set(DEMO_USERNAMES.values())
    for _role, username, password, totp in rows:
        client.logout()
        response = client.post(reverse("account_login"), {"login": username, "password": password})
        if totp != "—":
            assert response.url == reverse("mfa_authenticate"), username
            code = format_hotp_value(hotp_value(totp, int(time.time()) // 30))
            response = client.post(reverse("mfa_authenticate"), {"code": code})
        assert response.status_code == 302, username
        assert client.get(reverse("accounts:desk")).status_code == 200, username
