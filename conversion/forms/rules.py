"""The rule editor's form: title, programme, validity and notes as a Django form; the targets
(rows) and the source tree (nested groups) as an ``EditorState`` carried between requests in a
hidden JSON field, so that the editor works without script.

Each POST reads the hidden tree, lays the visible inputs of every node and target row over it,
then either applies the button pressed (``op``: add a requirement or a group, remove a node,
add or remove a target row) and shows the form again without saving, or — "Save draft" — hands
everything to the service. Input names: ``node-<path>-<key>`` for a node (path "" is the root:
``node--type``), ``target-<row>-<key>`` for a target row.
"""

import json
from decimal import Decimal, InvalidOperation

from django import forms
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Institution
from achievements.models import AchievementCategory, QualificationLevel
from creditbank.fields import OneLineTextField, PlainTextField

from ..models import Certificate, Course, Programme, RuleVersion, SelfStudySubject
from ..source import ATOM_KINDS, GRADES, GROUP_TYPES, MAX_ATOMS, MAX_DEPTH, node_numbers

TARGET_ROWS_MAX = 30

GROUP_LABELS = {
    "all": gettext_lazy("All of these"),
    "any": gettext_lazy("Any one of these"),
    "n_of": gettext_lazy("N of these"),
}
KIND_LABELS = {
    "certificate": gettext_lazy("Certificate"),
    "standard": gettext_lazy("Unit standard (by code)"),
    "course": gettext_lazy("Course of another institution"),
    "self_study": gettext_lazy("Self-study exam subject"),
    "category": gettext_lazy("Learning achievement category"),
}
RESULT_LABELS = {
    "": gettext_lazy("No minimum result"),
    "score": gettext_lazy("Score at least"),
    "grade": gettext_lazy("Grade at least"),
    "pass": gettext_lazy("Passed"),
}


class RuleForm(forms.Form):
    """What a version says besides its targets and source."""

    title = OneLineTextField(label=gettext_lazy("Title"), max_length=120)
    programme = forms.ModelChoiceField(
        label=gettext_lazy("Target programme"), queryset=Programme.objects.none()
    )
    valid_from = forms.DateField(
        label=gettext_lazy("Valid from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=gettext_lazy("Valid until"),
        required=False,
        help_text=gettext_lazy("Leave empty if the rule has no end date."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    notes_zh = PlainTextField(
        label=gettext_lazy("Notes (Chinese)"), max_length=2000, required=False
    )
    notes_en = PlainTextField(
        label=gettext_lazy("Notes (English)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"lang": "en", "rows": 3}),
    )

    def __init__(self, *args, programmes=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].queryset = programmes or Programme.objects.none()
        self.fields["programme"].label_from_instance = lambda p: (
            f"{p.institution.name} · {p.code} {p.name}"
        )

    def field_for(self, name):
        return name


# --- The editor's state ------------------------------------------------------------------------


def _int(value):
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def new_atom(kind: str) -> dict:
    atom = {"type": "atom", "kind": kind if kind in ATOM_KINDS else "certificate"}
    return atom


def new_group() -> dict:
    return {"type": "all", "items": []}


class EditorState:
    """The targets and the source tree while they are edited (not yet checked)."""

    def __init__(self, *, tree: dict, targets: list[dict]):
        self.tree = tree
        self.targets = (
            targets  # [{"course": pk | None, "outcome": "credits"|"exemption", "credits": str}]
        )
        self.node_errors: dict[str, str] = {}
        self.target_errors: dict[int, str] = {}
        self.targets_error = ""

    # Building -------------------------------------------------------------------------------

    @classmethod
    def empty(cls) -> "EditorState":
        return cls(
            tree={"type": "all", "items": [new_atom("certificate")]},
            targets=[{"course": None, "outcome": "credits", "credits": ""}],
        )

    @classmethod
    def of_version(cls, version: RuleVersion) -> "EditorState":
        targets = [
            {
                "course": t.course_id,
                "outcome": t.outcome,
                "credits": "" if t.credits is None else str(t.credits),
            }
            for t in version.targets.all()
        ]
        state = cls(tree=json.loads(json.dumps(version.source or new_group())), targets=targets)
        state._describe_courses()
        return state

    def _describe_courses(self) -> None:
        """Course atoms carry their institution and code for the inputs (one query)."""
        atoms = [a for a in _atoms(self.tree) if a.get("kind") == "course" and a.get("course")]
        found = {c.pk: c for c in Course.objects.filter(pk__in=[_int(a["course"]) for a in atoms])}
        for atom in atoms:
            course = found.get(_int(atom["course"]))
            if course is not None:
                atom["course_institution"] = course.institution_id
                atom["course_code"] = course.code

    @classmethod
    def from_post(cls, data) -> "EditorState":
        """The state the hidden field carried, with the visible inputs laid over it."""
        try:
            carried = json.loads(data.get("state") or "{}")
        except ValueError:
            carried = {}
        tree = carried.get("tree") if isinstance(carried, dict) else None
        if not isinstance(tree, dict) or tree.get("type") not in GROUP_TYPES:
            tree = new_group()
        state = cls(tree=tree, targets=[])
        state._read_nodes(tree, "", data)
        count = min(_int(data.get("target_count")) or 0, TARGET_ROWS_MAX)
        for row in range(count):
            state.targets.append(
                {
                    "course": _int(data.get(f"target-{row}-course")),
                    "outcome": "exemption"
                    if data.get(f"target-{row}-outcome") == "exemption"
                    else "credits",
                    "credits": (data.get(f"target-{row}-credits") or "").strip(),
                }
            )
        state._resolve_courses()
        return state

    def _read_nodes(self, node, path, data) -> None:
        prefix = f"node-{path}-"
        if node.get("type") == "atom":
            self._read_atom(node, prefix, data)
            return
        kind = data.get(prefix + "type")
        if kind in GROUP_TYPES:
            node["type"] = kind
        if node["type"] == "n_of":
            node["n"] = data.get(prefix + "n", node.get("n", 1))
        else:
            node.pop("n", None)
        items = node.get("items")
        if not isinstance(items, list):
            node["items"] = items = []
        for index, item in enumerate(items):
            if isinstance(item, dict):
                self._read_nodes(item, _join(path, index), data)

    @staticmethod
    def _read_atom(atom, prefix, data) -> None:
        def get(key):
            return data.get(prefix + key)

        kind = atom.get("kind")
        keys = {
            "standard": ("code",),
            "category": ("category", "min_level"),
            "certificate": ("certificate",),
            "course": ("course_institution", "course_code"),
            "self_study": ("subject",),
        }.get(kind, ())
        for key in (*keys, "within_years"):
            if get(key) is not None:
                atom[key] = get(key).strip()
        if kind != "standard" and get("result_kind") is not None:
            result_kind = get("result_kind")
            if result_kind == "score":
                atom["min_result"] = {"kind": "score", "value": (get("result_score") or "").strip()}
            elif result_kind == "grade":
                atom["min_result"] = {"kind": "grade", "value": get("result_grade") or ""}
            elif result_kind == "pass":
                atom["min_result"] = {"kind": "pass"}
            else:
                atom["min_result"] = None

    def _resolve_courses(self) -> None:
        """Course atoms named by institution and code get the course's pk (one query); a code
        that names nothing is an error beside the atom."""
        wanted = []
        for path, atom in _atoms_with_paths(self.tree):
            if atom.get("kind") != "course":
                continue
            institution = _int(atom.get("course_institution"))
            code = str(atom.get("course_code") or "").strip()
            atom["course"] = None
            if institution and code:
                wanted.append((path, atom, institution, code))
        if not wanted:
            return
        query = Q()
        for _path, _atom, institution, code in wanted:
            query |= Q(institution_id=institution, code__iexact=code)
        found = {(c.institution_id, c.code.upper()): c.pk for c in Course.objects.filter(query)}
        for path, atom, institution, code in wanted:
            atom["course"] = found.get((institution, code.upper()))
            if atom["course"] is None:
                self.node_errors[path] = _(
                    "No course of that institution has the code %(code)s."
                ) % {"code": code}

    # Buttons --------------------------------------------------------------------------------

    def apply(self, op: str, data) -> bool:
        """Apply the editing button ``op``; False if ``op`` is not one (e.g. "save")."""
        name, _sep, arg = (op or "").partition(":")
        if name == "add_target":
            if len(self.targets) < TARGET_ROWS_MAX:
                self.targets.append({"course": None, "outcome": "credits", "credits": ""})
            return True
        if name == "remove_target":
            row = _int(arg)
            if row is not None and 0 <= row < len(self.targets):
                del self.targets[row]
            return True
        if name not in ("add_atom", "add_group", "remove"):
            return False
        node, parent, index = _find(self.tree, arg)
        if node is None:
            return True
        if name == "remove":
            if parent is not None:
                del parent["items"][index]
                if parent.get("type") == "n_of":
                    parent["n"] = min(_int(parent.get("n")) or 1, max(len(parent["items"]), 1))
            return True
        if node.get("type") == "atom":
            return True
        if name == "add_atom" and sum(1 for _ in _atoms(self.tree)) < MAX_ATOMS:
            node["items"].append(new_atom(data.get(f"node-{arg}-add_kind", "certificate")))
        elif name == "add_group" and arg.count(".") + (1 if arg else 0) + 2 <= MAX_DEPTH:
            node["items"].append(new_group())
        return True

    # Out ------------------------------------------------------------------------------------

    def service_targets(self) -> list[tuple[int, Decimal | str | None]]:
        """The target rows with a course, as the service takes them; rows left empty are
        dropped. A row's number in an error is its place among the rows sent."""
        rows = []
        self._sent_rows = []
        for index, row in enumerate(self.targets):
            if row["course"] is None and not row["credits"]:
                continue
            credits = None
            if row["outcome"] == "credits":
                try:
                    credits = Decimal(row["credits"])
                except (InvalidOperation, ValueError):
                    credits = row["credits"] or "0"
            rows.append((row["course"], credits))
            self._sent_rows.append(index)
        return rows

    def row_of(self, sent_index: int) -> int:
        rows = getattr(self, "_sent_rows", [])
        return rows[sent_index] if 0 <= sent_index < len(rows) else sent_index

    def json(self) -> str:
        return json.dumps({"tree": self.tree}, ensure_ascii=False)


def _join(path: str, index: int) -> str:
    return f"{path}.{index}" if path else str(index)


def _atoms(node):
    for _path, atom in _atoms_with_paths(node):
        yield atom


def _atoms_with_paths(node, path=""):
    if not isinstance(node, dict):
        return
    if node.get("type") == "atom":
        yield path, node
        return
    for index, item in enumerate(node.get("items") or ()):
        yield from _atoms_with_paths(item, _join(path, index))


def _find(tree, path: str):
    """(node, parent, index) at ``path`` ("" the root), or (None, None, None)."""
    node, parent, index = tree, None, None
    if path:
        for part in path.split("."):
            position = _int(part)
            items = node.get("items") if isinstance(node, dict) else None
            if position is None or not isinstance(items, list) or not 0 <= position < len(items):
                return None, None, None
            node, parent, index = items[position], node, position
    return node, parent, index


# --- What the template shows -------------------------------------------------------------------


class Choices:
    """The lists the editor's selects offer (each one query, each small)."""

    def __init__(self, *, courses):
        self.certificates = list(Certificate.objects.active())
        self.categories = list(AchievementCategory.objects.active())
        self.levels = list(QualificationLevel.objects.active())
        self.subjects = list(SelfStudySubject.objects.filter(is_active=True))
        self.institutions = list(
            Institution.objects.filter(status=Institution.Status.APPROVED).order_by("name")
        )
        self.courses = list(courses)
        self.kinds = list(KIND_LABELS.items())
        self.group_types = list(GROUP_LABELS.items())
        self.results = list(RESULT_LABELS.items())
        self.grades = GRADES


def editor_nodes(state: EditorState) -> dict:
    """The tree as the editor template walks it: each node with its path, input prefix, label,
    values and error."""
    labels = node_numbers(state.tree)

    def build(node, path, depth):
        shown = {
            "path": path,
            "prefix": f"node-{path}-",
            "label": labels.get(path, ""),
            "error": state.node_errors.get(path, ""),
            "is_root": path == "",
        }
        if node.get("type") == "atom":
            result = node.get("min_result") or {}
            return {
                **shown,
                "group": False,
                "kind": node.get("kind"),
                "kind_label": KIND_LABELS.get(node.get("kind"), ""),
                "code": node.get("code", ""),
                "category": node.get("category", ""),
                "min_level": _int(node.get("min_level")),
                "certificate": _int(node.get("certificate")),
                "course_institution": _int(node.get("course_institution")),
                "course_code": node.get("course_code", ""),
                "subject": node.get("subject", ""),
                "within_years": node.get("within_years") or "",
                "result_kind": result.get("kind", "") if isinstance(result, dict) else "",
                "result_value": str(result.get("value", "")) if isinstance(result, dict) else "",
            }
        return {
            **shown,
            "group": True,
            "type": node.get("type"),
            "n": node.get("n", ""),
            "can_nest": depth < MAX_DEPTH,
            "items": [
                build(item, _join(path, i), depth + 1)
                for i, item in enumerate(node.get("items") or ())
                if isinstance(item, dict)
            ],
        }

    return build(state.tree, "", 1)


def editor_targets(state: EditorState) -> list[dict]:
    return [
        {**row, "index": index, "error": state.target_errors.get(index, "")}
        for index, row in enumerate(state.targets)
    ]
