"""The source of a conversion rule version (``RuleVersion.source``): a tree of groups over atoms.

Plain JSON, no database, so that the rule engine (issue 13) reads it as it is::

    group = {"type": "all" | "any" | "n_of", "n": <int, n_of only>, "items": [node, ...]}
    atom  = {"type": "atom", "kind": <kind>, ...reference..., "within_years": <int | null>,
             "min_result": <result | null>}

    kind "standard"     "code": "CQOU-IT-0001"       a unit standard, by code (any approved
                                                     version recognised counts)
    kind "category"     "category": "online_course",  an achievement category (its code), at a
                        "min_level": <level number | null>   qualification level or above
    kind "certificate"  "certificate": <Certificate pk>  a named certificate (e.g. NCRE level 2)
    kind "course"       "course": <Course pk>         a course of another institution
    kind "self_study"   "subject": "00015"            a self-study exam subject, by code

    result = {"kind": "score", "value": <0–100>} | {"kind": "grade", "value": "良好"}
             | {"kind": "pass"}
             (grades order 优秀 > 良好 > 中等 > 合格; a score, a grade and a pass compare as in
             ``achievements``: the engine decides how; here only the shape is checked)

The root is always a group. A node's *path* is the list of its indices from the root, written
"0.2.1"; ``RuleAtom.path`` stores an atom's path.

"within_years": the achievement must have been obtained at most that many years before the
application date (empty: any age). "min_result" is allowed on category, certificate, course and
self-study atoms (a unit standard is recognised or not).

What this module does with a tree: ``source_check`` checks and normalises it (at most
``MAX_DEPTH`` levels of groups and ``MAX_ATOMS`` atoms; every reference looked up in bulk; a
refusal names the node, ``field`` = ``node_field(path)``); ``atoms_rows`` makes a version's
``RuleAtom`` rows; ``source_tree`` and ``atom_sentence`` put it in words for the pages
(``templates/conversion/_source_tree.html``), reading the atoms prefetched with
``atoms_prefetch()``.
"""

from collections.abc import Iterator
from typing import Any

from django.utils.translation import gettext as _

from creditbank.errors import InvalidInput

GROUP_TYPES = ("all", "any", "n_of")
ATOM_KINDS = ("standard", "category", "certificate", "course", "self_study")


def iter_atoms(node: dict, path: tuple[int, ...] = ()) -> Iterator[tuple[str, dict]]:
    """Every atom of the tree under ``node`` with its path ("0.2.1"), depth first, in order."""
    if node.get("type") == "atom":
        yield ".".join(map(str, path)), node
        return
    for index, item in enumerate(node.get("items", ())):
        yield from iter_atoms(item, (*path, index))


# --- Checking a tree ---------------------------------------------------------------------------


GRADES = ("优秀", "良好", "中等", "合格")
RESULT_KINDS = ("score", "grade", "pass")
MAX_DEPTH = 4  # levels of groups, the root counting as one
MAX_ATOMS = 30
WITHIN_YEARS_MAX = 50


def node_field(path: str) -> str:
    """The form field name a message about the node at ``path`` ("" for the root, "0.2" …)
    belongs to: ``source`` for the root, ``source-0.2`` for the others. The editor shows the
    message beside that node."""
    return "source" if not path else f"source-{path}"


def _path(parts: tuple[int, ...]) -> str:
    return ".".join(map(str, parts))


def node_numbers(tree: dict) -> dict[str, str]:
    """A label for every node of ``tree`` by path, as the page and the messages name it:
    groups "第1组", "第2组" … (the root is the first), atoms "第1项" … in reading order."""
    labels: dict[str, str] = {}
    counters = {"group": 0, "atom": 0}

    def walk(node, parts):
        if not isinstance(node, dict):
            return
        if node.get("type") == "atom":
            counters["atom"] += 1
            labels[_path(parts)] = _("Requirement %(number)d") % {"number": counters["atom"]}
            return
        counters["group"] += 1
        labels[_path(parts)] = _("Group %(number)d") % {"number": counters["group"]}
        items = node.get("items")
        for index, item in enumerate(items if isinstance(items, list) else ()):
            walk(item, (*parts, index))

    walk(tree, ())
    return labels


class _Checker:
    """One pass over a tree: shape first (no queries), then the references in bulk (one query
    per kind of reference the tree names), then whether it can ever be met."""

    def __init__(self, tree):
        self.tree = tree
        self.labels = node_numbers(tree) if isinstance(tree, dict) else {}

    def fail(self, path: str, message: str, code: str):
        label = self.labels.get(path) or _("The source")
        raise InvalidInput(
            _("%(node)s: %(message)s") % {"node": label, "message": message},
            field=node_field(path),
            code=code,
        )

    # Shape --------------------------------------------------------------------------------

    @staticmethod
    def _int(value) -> int | None:
        if isinstance(value, bool):
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        return None

    def _optional_int(self, value, path, *, low, high, message, code):
        if value in (None, ""):
            return None
        number = self._int(value)
        if number is None or not low <= number <= high:
            self.fail(path, message, code)
        return number

    def shape(self, node, parts: tuple[int, ...], depth: int) -> dict:
        path = _path(parts)
        if not isinstance(node, dict):
            self.fail(path, _("this is not a group or a requirement."), "malformed")
        kind = node.get("type")
        if kind == "atom":
            if not parts:
                self.fail(path, _("the source must be a group."), "root_not_group")
            return self.atom_shape(node, path)
        if kind not in GROUP_TYPES:
            self.fail(path, _("choose all, any or “N of” for the group."), "group_type")
        if depth > MAX_DEPTH:
            self.fail(
                path,
                _("groups may be nested at most %(max)d deep.") % {"max": MAX_DEPTH},
                "too_deep",
            )
        items = node.get("items")
        if not isinstance(items, list) or not items:
            self.fail(path, _("the group is empty; add a requirement or remove it."), "empty_group")
        checked: dict[str, Any] = {"type": kind}
        if kind == "n_of":
            n = self._int(node.get("n"))
            if n is None or n < 1:
                self.fail(path, _("the number of items to meet must be 1 or more."), "n_too_small")
            if n > len(items):
                self.fail(
                    path,
                    _(
                        "the number of items to meet (%(n)d) is more than the group holds "
                        "(%(count)d)."
                    )
                    % {"n": n, "count": len(items)},
                    "n_too_large",
                )
            checked["n"] = n
        checked["items"] = [
            self.shape(item, (*parts, index), depth + 1) for index, item in enumerate(items)
        ]
        return checked

    def atom_shape(self, node: dict, path: str) -> dict:
        kind = node.get("kind")
        if kind not in ATOM_KINDS:
            self.fail(path, _("choose what kind of requirement this is."), "atom_kind")
        atom: dict[str, Any] = {"type": "atom", "kind": kind}
        if kind == "standard":
            from achievements.services.standards import normalise_code

            code = normalise_code(str(node.get("code") or ""))
            if not code:
                self.fail(path, _("give the unit standard's code."), "standard_required")
            atom["code"] = code
        elif kind == "category":
            code = str(node.get("category") or "").strip()
            if not code:
                self.fail(path, _("choose an achievement category."), "category_required")
            atom["category"] = code
            atom["min_level"] = self._optional_int(
                node.get("min_level"),
                path,
                low=1,
                high=99,
                message=_("choose a qualification framework level that is in use."),
                code="unknown_level",
            )
        elif kind in ("certificate", "course"):
            pk = self._int(node.get(kind))
            if pk is None or pk < 1:
                message = (
                    _("choose a certificate.")
                    if kind == "certificate"
                    else _("choose a course of another institution.")
                )
                self.fail(path, message, f"{kind}_required")
            atom[kind] = pk
        else:
            code = "".join(str(node.get("subject") or "").split())
            if not code:
                self.fail(path, _("choose a self-study exam subject."), "subject_required")
            atom["subject"] = code
        if kind != "standard":
            atom["min_result"] = self.result_shape(node.get("min_result"), path)
        atom["within_years"] = self._optional_int(
            node.get("within_years"),
            path,
            low=1,
            high=WITHIN_YEARS_MAX,
            message=_("“obtained within” must be 1 to %(max)d years, or left empty.")
            % {"max": WITHIN_YEARS_MAX},
            code="within_years",
        )
        return atom

    def result_shape(self, result, path: str) -> dict | None:
        if result in (None, "", {}):
            return None
        if not isinstance(result, dict) or result.get("kind") not in RESULT_KINDS:
            self.fail(path, _("the minimum result is not valid."), "min_result")
        kind = result["kind"]
        if kind == "pass":
            return {"kind": "pass"}
        if kind == "score":
            value = self._int(result.get("value"))
            if value is None or not 0 <= value <= 100:
                self.fail(path, _("a minimum score must be from 0 to 100."), "min_score")
            return {"kind": "score", "value": value}
        value = str(result.get("value") or "").strip()
        if value not in GRADES:
            self.fail(
                path,
                _("a minimum grade must be one of %(grades)s.") % {"grades": "、".join(GRADES)},
                "min_grade",
            )
        return {"kind": "grade", "value": value}

    # References ----------------------------------------------------------------------------

    def references(self, tree: dict) -> dict[str, bool]:
        """Look every reference up (one query per kind named); refuse unknown ones; return
        whether each atom's reference can be held (in use) by path."""
        from achievements.models import AchievementCategory, QualificationLevel, UnitStandard

        from .models import Certificate, Course, SelfStudySubject

        atoms = list(iter_atoms(tree))
        if len(atoms) > MAX_ATOMS:
            self.fail(
                "",
                _("a source may name at most %(max)d requirements (it names %(count)d).")
                % {"max": MAX_ATOMS, "count": len(atoms)},
                "too_many_atoms",
            )

        def wanted(kind, key):
            return {atom[key] for _path_, atom in atoms if atom["kind"] == kind}

        standards = wanted("standard", "code")
        approved = (
            set(
                UnitStandard.objects.filter(
                    code__in=standards, status=UnitStandard.Status.APPROVED
                ).values_list("code", flat=True)
            )
            if standards
            else set()
        )
        categories = wanted("category", "category")
        category_use = (
            dict(
                AchievementCategory.objects.filter(code__in=categories).values_list(
                    "code", "is_active"
                )
            )
            if categories
            else {}
        )
        levels = {a["min_level"] for _p, a in atoms if a.get("min_level") is not None}
        levels_in_use = (
            set(
                QualificationLevel.objects.active()
                .filter(number__in=levels)
                .values_list("number", flat=True)
            )
            if levels
            else set()
        )
        certificates = wanted("certificate", "certificate")
        certificate_use = (
            dict(Certificate.objects.filter(pk__in=certificates).values_list("pk", "is_active"))
            if certificates
            else {}
        )
        courses = wanted("course", "course")
        course_use = {}
        if courses:
            from accounts.models import Institution

            for pk, active, status in Course.objects.filter(pk__in=courses).values_list(
                "pk", "is_active", "institution__status"
            ):
                course_use[pk] = active and status == Institution.Status.APPROVED
        subjects = wanted("self_study", "subject")
        subject_use = (
            dict(
                SelfStudySubject.objects.filter(code__in=subjects).values_list("code", "is_active")
            )
            if subjects
            else {}
        )

        held: dict[str, bool] = {}
        for path, atom in atoms:
            kind = atom["kind"]
            if kind == "standard":
                if atom["code"] not in approved:
                    self.fail(
                        path,
                        _("no approved unit standard has the code %(code)s.")
                        % {"code": atom["code"]},
                        "unknown_standard",
                    )
                held[path] = True
            elif kind == "category":
                if atom["category"] not in category_use:
                    self.fail(
                        path, _("this achievement category does not exist."), "unknown_category"
                    )
                if atom["min_level"] is not None and atom["min_level"] not in levels_in_use:
                    self.fail(
                        path,
                        _("choose a qualification framework level that is in use."),
                        "unknown_level",
                    )
                held[path] = category_use[atom["category"]]
            elif kind == "certificate":
                if atom["certificate"] not in certificate_use:
                    self.fail(path, _("this certificate does not exist."), "unknown_certificate")
                held[path] = certificate_use[atom["certificate"]]
            elif kind == "course":
                if atom["course"] not in course_use:
                    self.fail(path, _("this course does not exist."), "unknown_course")
                held[path] = course_use[atom["course"]]
            else:
                if atom["subject"] not in subject_use:
                    self.fail(
                        path,
                        _("no self-study exam subject has the code %(code)s.")
                        % {"code": atom["subject"]},
                        "unknown_subject",
                    )
                held[path] = subject_use[atom["subject"]]
        return held

    # Whether it can be met -----------------------------------------------------------------

    def never_held(self, path: str, kind: str):
        messages = {
            "category": _("the achievement category is no longer in use, so nobody can meet this."),
            "certificate": _("the certificate is no longer in use, so nobody can meet this."),
            "course": _("the course is no longer offered, so nobody can meet this."),
            "self_study": _(
                "the self-study exam subject is no longer in use, so nobody can meet this."
            ),
        }
        self.fail(path, messages[kind], "never_met")

    def meetable(self, node: dict, parts: tuple[int, ...], held: dict[str, bool]) -> bool:
        if node["type"] == "atom":
            return held[_path(parts)]
        results = [
            self.meetable(item, (*parts, index), held) for index, item in enumerate(node["items"])
        ]
        needed = {"all": len(results), "any": 1}.get(node["type"], node.get("n", 1))
        return sum(results) >= needed

    def refuse_unmeetable(self, node: dict, parts: tuple[int, ...], held: dict[str, bool]):
        """Name the most precise node that can never be met: inside an "all" group the child
        that fails it; an "any" or "N of" group itself when too few of its items can be met."""
        path = _path(parts)
        if node["type"] == "atom":
            self.never_held(path, node["kind"])
        if node["type"] == "all":
            for index, item in enumerate(node["items"]):
                if not self.meetable(item, (*parts, index), held):
                    self.refuse_unmeetable(item, (*parts, index), held)
        if node["type"] == "any":
            self.fail(path, _("none of the items of this group can ever be met."), "never_met")
        self.fail(
            path,
            _("only %(met)d of its items can ever be met, fewer than the %(n)d it asks for.")
            % {
                "met": sum(
                    self.meetable(item, (*parts, index), held)
                    for index, item in enumerate(node["items"])
                ),
                "n": node["n"],
            },
            "never_met",
        )


def source_check(tree) -> dict:
    """``tree`` checked and normalised (see the module's docstring for the format), or
    ``InvalidInput`` naming the node at fault (``field`` is ``node_field(path)``).

    Normalised: unknown keys dropped, numbers as ints, codes in their canonical form,
    ``min_level``/``min_result``/``within_years`` present (``None`` when not asked) where they
    apply. Refused: anything malformed, an empty group, "N of" with N < 1 or larger than the
    group, nesting deeper than ``MAX_DEPTH`` groups or more than ``MAX_ATOMS`` requirements, a
    reference that does not exist (a unit standard code without an approved version, an
    unknown category, level, certificate, course or self-study subject), a result outside its
    range, and a tree that can never be met (an atom whose reference is no longer in use, where
    the group needs it; any atom naming something no longer in use). One query per kind of
    reference the tree names, whatever its size.
    """
    checker = _Checker(tree)
    checked = checker.shape(tree, (), 1)
    held = checker.references(checked)
    if not checker.meetable(checked, (), held):
        checker.refuse_unmeetable(checked, (), held)
    for path, atom in iter_atoms(checked):
        if not held[path]:
            checker.never_held(path, atom["kind"])
    return checked


# --- Atom rows ---------------------------------------------------------------------------------


def atoms_rows(version) -> list:
    """The ``RuleAtom`` rows (unsaved) of ``version.source``, one per atom with its path; the
    caller bulk-creates them. Two queries at most (categories and subjects by code)."""
    from achievements.models import AchievementCategory

    from .models import RuleAtom, SelfStudySubject

    atoms = list(iter_atoms(version.source or {}))
    category_codes = {a["category"] for _p, a in atoms if a["kind"] == "category"}
    subject_codes = {a["subject"] for _p, a in atoms if a["kind"] == "self_study"}
    categories = (
        dict(AchievementCategory.objects.filter(code__in=category_codes).values_list("code", "pk"))
        if category_codes
        else {}
    )
    subjects = (
        dict(SelfStudySubject.objects.filter(code__in=subject_codes).values_list("code", "pk"))
        if subject_codes
        else {}
    )
    rows = []
    for path, atom in atoms:
        kind = atom["kind"]
        row = RuleAtom(version=version, path=path, kind=kind)
        if kind == "standard":
            row.standard_code = atom["code"]
        elif kind == "category":
            row.category_id = categories[atom["category"]]
        elif kind == "certificate":
            row.certificate_id = atom["certificate"]
        elif kind == "course":
            row.course_id = atom["course"]
        else:
            row.subject_id = subjects[atom["subject"]]
        rows.append(row)
    return rows


# --- In words ----------------------------------------------------------------------------------


def atoms_prefetch():
    """The ``Prefetch`` of a version's atoms that ``source_tree`` reads:
    ``RuleVersion.objects.prefetch_related(atoms_prefetch())``."""
    from django.db.models import Prefetch

    from .models import RuleAtom

    return Prefetch(
        "atoms",
        queryset=RuleAtom.objects.select_related(
            "category", "certificate", "course__institution", "subject"
        ),
    )


def standard_names(codes) -> dict[str, str]:
    """The name of the approved version of each unit standard code (one query)."""
    from achievements.models import UnitStandard

    codes = set(codes)
    if not codes:
        return {}
    return dict(
        UnitStandard.objects.filter(
            code__in=codes, status=UnitStandard.Status.APPROVED
        ).values_list("code", "name")
    )


def result_words(result: dict | None) -> str:
    """ ", 成绩不低于60分" and the like for a minimum result (empty when none is asked)."""
    if not result:
        return ""
    if result["kind"] == "score":
        return _(", score at least %(value)s") % {"value": result["value"]}
    if result["kind"] == "grade":
        from achievements.models import Achievement

        try:
            grade = str(Achievement.Grade(result["value"]).label)
        except ValueError:
            grade = result["value"]
        return _(", grade at least %(grade)s") % {"grade": grade}
    return _(", passed")


def atom_sentence(atom: dict, row=None, *, standards: dict[str, str] | None = None) -> str:
    """One requirement as a sentence: ``atom`` from the source, ``row`` its ``RuleAtom`` with
    its references loaded (for names); ``standards`` maps unit standard codes to names."""
    kind = atom.get("kind")
    if kind == "standard":
        code = atom.get("code") or getattr(row, "standard_code", "")
        name = (standards or {}).get(code, "")
        text = (_("Unit standard %(code)s %(name)s") % {"code": code, "name": name}).strip()
    elif kind == "category":
        category = getattr(row, "category", None)
        text = _("Learning achievement category: %(category)s") % {
            "category": category.name if category else atom.get("category", "")
        }
        if atom.get("min_level"):
            text += _(", qualification framework level %(level)s or above") % {
                "level": atom["min_level"]
            }
    elif kind == "certificate":
        certificate = getattr(row, "certificate", None)
        text = _("Holds the certificate: %(name)s") % {
            "name": str(certificate) if certificate else atom.get("certificate", "")
        }
    elif kind == "course":
        course = getattr(row, "course", None)
        if course is not None:
            text = _("%(institution)s course %(code)s %(name)s") % {
                "institution": course.institution.name,
                "code": course.code,
                "name": course.name,
            }
        else:
            text = _("Course %(pk)s") % {"pk": atom.get("course")}
    else:
        subject = getattr(row, "subject", None)
        text = _("Self-study exam subject %(code)s %(name)s") % {
            "code": atom.get("subject", ""),
            "name": subject.name if subject else "",
        }
        text = text.strip()
    text += result_words(atom.get("min_result"))
    if atom.get("within_years"):
        text += _(" (obtained within the last %(years)s years)") % {"years": atom["within_years"]}
    return text


def group_rule(node: dict) -> str:
    if node.get("type") == "any":
        return _("Any one of these")
    if node.get("type") == "n_of":
        return _("%(n)s of these") % {"n": node.get("n")}
    return _("All of these")


def source_tree(version, *, standards: dict[str, str] | None = None) -> dict:
    """``version``'s source as the pages show it (``_source_tree.html``, context ``node``)::

        {"group": True, "path", "label" ("第1组"), "rule" ("满足其一"), "items": [...]}
        {"group": False, "path", "label" ("第2项"), "sentence", "kind"}

    Reads the version's atoms, prefetched with their references (``atoms_prefetch()``) — no
    query per atom; the names of unit standards come from ``standards`` (code → name) or one
    query for all of them.
    """
    tree = version.source or {}
    rows = {row.path: row for row in version.atoms.all()}
    if standards is None:
        standards = standard_names(
            atom["code"] for _p, atom in iter_atoms(tree) if atom.get("kind") == "standard"
        )
    labels = node_numbers(tree)

    def build(node, parts):
        path = _path(parts)
        if node.get("type") == "atom":
            return {
                "group": False,
                "path": path,
                "label": labels.get(path, ""),
                "kind": node.get("kind"),
                "sentence": atom_sentence(node, rows.get(path), standards=standards),
            }
        return {
            "group": True,
            "path": path,
            "label": labels.get(path, ""),
            "rule": group_rule(node),
            "items": [build(item, (*parts, i)) for i, item in enumerate(node.get("items", ()))],
        }

    return build(tree, ())


def source_sentences(version, *, standards: dict[str, str] | None = None) -> list[str]:
    """Every requirement of ``version`` as a sentence, in reading order (for comparisons)."""
    out: list[str] = []

    def walk(node):
        if node["group"]:
            for item in node["items"]:
                walk(item)
        else:
            out.append(node["sentence"])

    walk(source_tree(version, standards=standards))
    return out
