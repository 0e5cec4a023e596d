"""Every audit action the code writes has words (creditbank.audit_labels.ACTIONS).

The code is read, not run: every ``audit_record(action=…)`` call of the apps, with its action
as a literal, an f-string or a variable. An f-string is expanded with the values its code
gives it (``EXPANSIONS``: a new f-string fails here until it is listed); a variable that is a
parameter of the enclosing function takes the literals its callers in the module pass, one
assigned from a call of a function of the module takes the literals that function returns."""

import ast
from pathlib import Path

from django.utils import translation

from accounts.models import INSTITUTION_TRANSITIONS
from accounts.services.learners import TRANSITIONS as LEARNER_ACCOUNT_TRANSITIONS
from achievements.models import ACHIEVEMENT_TRANSITIONS, DOCUMENT_TRANSITIONS
from achievements.services.standards import STANDARD_TRANSITIONS
from branches.services.announcements import ANNOUNCEMENT_TRANSITIONS
from branches.services.help_pages import HELP_PAGE_TRANSITIONS
from branches.services.memberships import MEMBERSHIP_TRANSITIONS
from conversion.access import APPLICATION_TRANSITIONS
from creditbank.audit_labels import ACTIONS, action_choices, action_label
from creditbank.refusals import AGGREGATE_SUFFIX

ROOT = Path(__file__).resolve().parents[2]
APPS = ("accounts", "branches", "achievements", "conversion", "quality", "creditbank", "api")
REFUSALS = ("access.refused", "access.not_found")

# (file, f-string with {} for each value) → the values the code puts in.
EXPANSIONS = {
    ("accounts/lockout.py", "auth.{}_locked"): ["account", "address"],
    ("accounts/services/institutions.py", "institution.{}"): INSTITUTION_TRANSITIONS,
    ("accounts/services/learners.py", "learner_account.{}"): LEARNER_ACCOUNT_TRANSITIONS,
    ("branches/services/announcements.py", "announcement.{}"): ANNOUNCEMENT_TRANSITIONS,
    ("branches/services/memberships.py", "membership.{}"): MEMBERSHIP_TRANSITIONS,
    ("branches/services/help_pages.py", "help_page.{}"): HELP_PAGE_TRANSITIONS,
    ("achievements/services/standards.py", "unit_standard.{}"): STANDARD_TRANSITIONS,
    ("achievements/services/workflow.py", "achievement.{}"): ACHIEVEMENT_TRANSITIONS,
    ("creditbank/refusals.py", "{}{}"): [(a, AGGREGATE_SUFFIX) for a in REFUSALS],
    (
        "conversion/services/applications.py",
        "conversion_application.{}",
    ): APPLICATION_TRANSITIONS,
    ("achievements/services/proof.py", "document.{}"): DOCUMENT_TRANSITIONS,
}


def _name(func) -> str | None:
    return getattr(func, "id", getattr(func, "attr", None))


def _literals_passed(tree, function: ast.FunctionDef, parameter: str) -> set[str]:
    """The string literals the module passes to ``function`` for ``parameter``."""
    names = [a.arg for a in function.args.posonlyargs + function.args.args]
    position = names.index(parameter) if parameter in names else None
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _name(node.func) == function.name:
            values = [k.value for k in node.keywords if k.arg == parameter]
            if position is not None and len(node.args) > position:
                values.append(node.args[position])
            found |= {v.value for v in values if isinstance(v, ast.Constant)}
    return found


def _literals_returned(function: ast.FunctionDef) -> set[str]:
    return {
        node.value.value
        for node in ast.walk(function)
        if isinstance(node, ast.Return)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _variable_actions(tree, function: ast.FunctionDef, variable: str) -> set[str]:
    parameters = [a.arg for a in function.args.posonlyargs + function.args.args]
    parameters += [a.arg for a in function.args.kwonlyargs]
    if variable in parameters:
        return _literals_passed(tree, function, variable)
    functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
    found = set()
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Assign)
            and any(getattr(t, "id", None) == variable for t in node.targets)
            and isinstance(node.value, ast.Call)
            and _name(node.value.func) in functions
        ):
            found |= _literals_returned(functions[_name(node.value.func)])
    return found


def written_actions() -> tuple[dict[str, str], list[str]]:
    """``({action: where}, problems)`` for every ``audit_record`` call of the apps."""
    actions, problems = {}, []
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)]
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and _name(node.func) == "audit_record"):
                    continue
                action = next((k.value for k in node.keywords if k.arg == "action"), None)
                line = f"{where}:{node.lineno}"
                if isinstance(action, ast.Constant):
                    actions[action.value] = line
                elif isinstance(action, ast.JoinedStr):
                    template = "".join(
                        v.value if isinstance(v, ast.Constant) else "{}" for v in action.values
                    )
                    values = EXPANSIONS.get((where, template))
                    if values is None:
                        problems.append(f"{line}: add the values of f-string {template!r}")
                        continue
                    for value in values:
                        parts = value if isinstance(value, tuple) else (value,)
                        actions[template.format(*parts)] = line
                elif isinstance(action, ast.Name):
                    enclosing = [
                        f
                        for f in functions
                        if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)
                    ]
                    values = _variable_actions(tree, enclosing[-1], action.id) if enclosing else ()
                    if not values:
                        problems.append(f"{line}: cannot tell the values of {action.id}")
                    for value in values:
                        actions[value] = line
                else:
                    problems.append(f"{line}: an action this test cannot read")
    return actions, problems


def test_every_action_the_code_writes_has_a_label():
    actions, problems = written_actions()
    assert problems == []
    # The reading works: a literal, an f-string, a parameter and a returned value are found.
    assert {
        "auth.login",
        "learner_account.verify",
        "qualification_level.update",
        "access.not_found",
        "access.refused_aggregate",
    } <= set(actions)
    missing = {action: where for action, where in actions.items() if action not in ACTIONS}
    assert missing == {}, "add these to creditbank/audit_labels.py ACTION_GROUPS"


def test_the_labels_are_chinese_and_distinct():
    with translation.override("zh-hans"):
        labels = [action_label(code) for code in ACTIONS]
        assert all(not any("a" <= c.lower() <= "z" for c in label) for label in labels), labels
        assert len(set(labels)) == len(labels)
        assert action_label("achievement.recognise") == "认定通过"
        assert action_label("no.such_action") == "no.such_action"
        groups = [group for group, _choices in action_choices()]
        assert "登录" in groups


# --- The keys of the before/after summaries ----------------------------------------------------


def _keys_of(expr, functions: dict, enclosing) -> tuple[set[str], bool]:
    """``(keys, read)``: the keys of the summary ``expr`` builds, and whether it could be read:
    a dict literal (with ``**`` of readable ones), a call of a function of the module that
    returns one, a variable assigned one in the enclosing function."""
    if isinstance(expr, ast.Dict):
        keys, read = set(), True
        for key, value in zip(expr.keys, expr.values, strict=True):
            if key is None:
                inner, inner_read = _keys_of(value, functions, enclosing)
                keys |= inner
                read = read and inner_read
            elif isinstance(key, ast.Constant):
                keys.add(key.value)
            else:
                read = False
        return keys, read
    if isinstance(expr, ast.Call) and _name(expr.func) in functions:
        returned = [
            node.value
            for node in ast.walk(functions[_name(expr.func)])
            if isinstance(node, ast.Return) and isinstance(node.value, ast.Dict)
        ]
        keys = set()
        for value in returned:
            keys |= _keys_of(value, functions, None)[0]
        return keys, bool(returned)
    if isinstance(expr, ast.Name) and enclosing is not None:
        assigned = [
            node.value
            for node in ast.walk(enclosing)
            if isinstance(node, ast.Assign)
            and any(getattr(t, "id", None) == expr.id for t in node.targets)
        ]
        keys, read = set(), bool(assigned)
        for value in assigned:
            inner, inner_read = _keys_of(value, functions, enclosing)
            keys |= inner
            read = read and inner_read
        return keys, read
    return set(), False


def written_keys() -> tuple[dict[str, str], dict[str, str]]:
    """``({key: where}, {key: where})``: the before/after keys of every ``audit_record`` call
    of the apps that can be read (a comprehension of another summary's keys cannot), and the
    keys of the ``audit=`` facts an achievement's step adds (achievements.services.workflow)."""
    keys, facts = {}, {}
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            where = str(path.relative_to(ROOT))
            tree = ast.parse(path.read_text(encoding="utf-8"))
            functions = {f.name: f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef)}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                enclosing = [
                    f
                    for f in functions.values()
                    if f.lineno <= node.lineno <= (f.end_lineno or f.lineno)
                ]
                enclosing = enclosing[-1] if enclosing else None
                for keyword in node.keywords:
                    if _name(node.func) == "audit_record" and keyword.arg in ("before", "after"):
                        found = keys
                    elif keyword.arg == "audit":
                        found = facts
                    else:
                        continue
                    for key in _keys_of(keyword.value, functions, enclosing)[0]:
                        found.setdefault(key, f"{where}:{node.lineno}")
    return keys, facts


def test_every_key_the_code_writes_has_a_label():
    from django.apps import apps

    from achievements.models import Achievement, Evidence
    from creditbank.audit_labels import CHOICES_OF, OBJECT_APPS, SUMMARY_KEYS, _key_label

    keys, facts = written_keys()
    # The reading works: literals, a summary function's keys, ``**`` of one, the facts.
    assert {"role", "status", "reason", "evidence", "outcomes_chars", "result"} <= set(keys)
    assert {"decision", "credits", "level", "field", "stage", "review_branch"} <= set(facts)
    field_names = {
        model_field.name
        for app in OBJECT_APPS
        if apps.is_installed(app)
        for model in apps.get_app_config(app).get_models()
        for model_field in model._meta.get_fields()
        if hasattr(model_field, "verbose_name")
    }
    unlabelled = {
        key: where
        for key, where in keys.items()
        if key not in SUMMARY_KEYS and key not in CHOICES_OF and key not in field_names
    }
    assert unlabelled == {}, "add these to creditbank/audit_labels.py SUMMARY_KEYS"
    # The facts go on an achievement's events: labelled there.
    unlabelled = {k: w for k, w in facts.items() if _key_label(Achievement, k) == k}
    assert unlabelled == {}, "add these to SUMMARY_KEYS or CHOICES_OF"
    # An evidence file's summary (inside an achievement's) is labelled too.
    with translation.override("zh-hans"):
        for key in ("name", "size", "kind", "sha256"):
            label = _key_label(None, key)
            assert label != key and not any("a" <= c.lower() <= "z" for c in label), key
        assert _key_label(Evidence, "kind") != "kind"
