"""Role names are spelled once, in ``accounts.roles``: every other module uses its constants.

The scan reads the source of the apps with ``ast`` (migrations aside, which keep the values they
were written with) and fails on any string constant equal to a role name, naming file and line.
"""

import ast
from pathlib import Path

from accounts import roles
from accounts.models import InstitutionStaff, Role
from accounts.roles import role_label
from branches.models import StaffAssignment
from tests.conftest import ALL_ROLES

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "achievements", "branches", "creditbank", "conversion", "quality", "api")
ROLES_MODULE = ROOT / "accounts" / "roles.py"


def role_literals(source: str, filename: str = "<sample>") -> list[tuple[int, str]]:
    """(line, value) of each string constant in ``source`` that is a role name."""
    return sorted(
        (node.lineno, node.value)
        for node in ast.walk(ast.parse(source, filename))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and node.value in roles.ROLE_NAMES
    )


def scanned_modules() -> list[Path]:
    return [
        path
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.relative_to(ROOT).parts and path != ROLES_MODULE
    ]


def test_no_module_spells_a_role_name_as_a_string():
    paths = scanned_modules()
    # The scan must see the apps, not an empty or wrong directory: each app's modules, and the
    # modules that name the most roles.
    assert len(paths) >= 100, len(paths)
    assert {path.relative_to(ROOT).parts[0] for path in paths} == set(APPS)
    for module in ("accounts/navigation.py", "achievements/access.py", "branches/access.py"):
        assert ROOT / module in paths, module
    found = [
        f"{path.relative_to(ROOT)}:{line}: {value!r}"
        for path in paths
        for line, value in role_literals(path.read_text(encoding="utf-8"), str(path))
    ]
    assert not found, "Role names spelled as strings; use the constants of accounts.roles:\n" + (
        "\n".join(found)
    )


def test_the_scan_finds_a_role_name_spelled_as_a_string():
    sample = '''"""The expert decides."""
from accounts.roles import EXPERT, has_role

QUEUE = {"decide": ("institution_reviewer", EXPERT)}


def may_decide(user):
    return has_role(user, "expert") or user.username == f"experts-{EXPERT}"
'''
    assert role_literals(sample) == [(4, "institution_reviewer"), (8, "expert")]


def test_the_role_names_match_the_stored_roles():
    """The centre's roles are accounts.Role's values; institution and branch role names are the
    stored staff roles after their prefix; the role matrix knows every one."""
    assert set(Role.values) == set(roles.CENTRE_ROLES)
    assert {roles.INSTITUTION_PREFIX + value for value in InstitutionStaff.Role.values} == set(
        roles.INSTITUTION_ROLES
    )
    assert {roles.BRANCH_PREFIX + value for value in StaffAssignment.Role.values} == set(
        roles.BRANCH_ROLES
    )
    assert set(ALL_ROLES) == roles.ROLE_NAMES
    assert len(roles.ROLE_NAMES) == 13


def test_every_role_name_has_a_human_name():
    for name in roles.ROLE_NAMES:
        assert role_label(name) != name, name
