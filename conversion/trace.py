"""The engine's reasons as sentences (Chinese, English): what the simulator, the application pages
and the decision page show for a line of ``conversion.engine.Outcome.trace()``.

``names_for(traces)`` reads, in a fixed number of queries whatever the number of lines, what the
sentences name: the courses, the rule versions (number, version, source), the achievements, and
what the atoms refer to (categories, certificates, courses of other institutions, self-study
subjects, unit standards, issuing institutions). ``line_sentences(line, names)`` puts one line's
reasons into words in the active language; ``missing_sentences`` says what a partial match still
lacks; ``status_label`` names a status.
"""

import datetime
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from . import engine
from .source import atom_sentence, iter_atoms, node_numbers, result_words


@dataclass
class Names:
    """What the sentences of some traces name, read once (``names_for``)."""

    courses: dict[int, tuple[str, str]] = field(default_factory=dict)  # pk → (code, name)
    versions: dict[int, tuple[str, int, dict]] = field(default_factory=dict)  # number, v, source
    achievements: dict[str, str] = field(default_factory=dict)  # holding id → title
    issuers: dict[str, str] = field(default_factory=dict)  # "i<pk>" → institution name
    categories: dict[str, object] = field(default_factory=dict)  # code → AchievementCategory
    certificates: dict[int, object] = field(default_factory=dict)
    other_courses: dict[int, object] = field(default_factory=dict)  # with their institution
    subjects: dict[str, object] = field(default_factory=dict)  # code → SelfStudySubject
    standards: dict[str, str] = field(default_factory=dict)  # code → name

    def course(self, pk) -> str:
        code, name = self.courses.get(pk, ("", ""))
        return f"{code} {name}".strip() or str(pk)

    def holding(self, holding_id: str, holdings: dict | None = None) -> str:
        if holdings and holding_id in holdings and holdings[holding_id].get("title"):
            return holdings[holding_id]["title"]
        if holding_id in self.achievements:
            return self.achievements[holding_id]
        return holding_id.split(":", 1)[-1] if holding_id.startswith("h") else holding_id

    def issuer(self, issuer: str) -> str:
        if issuer in self.issuers:
            return self.issuers[issuer]
        return issuer[1:] if issuer.startswith("n") else issuer

    def atom(self, atom: dict) -> str:
        """The requirement ``atom`` as a sentence (``conversion.source.atom_sentence``)."""
        row = SimpleNamespace(
            category=self.categories.get(atom.get("category")),
            certificate=self.certificates.get(atom.get("certificate")),
            course=self.other_courses.get(atom.get("course")),
            subject=self.subjects.get(atom.get("subject")),
            standard_code=atom.get("code", ""),
        )
        return atom_sentence(atom, row, standards=self.standards)

    def node_label(self, version_id, path: str) -> str:
        version = self.versions.get(version_id)
        if version is None:
            return _("The rule")
        return node_numbers(version[2]).get(path) or _("The rule")

    def atom_at(self, version_id, path: str) -> dict | None:
        version = self.versions.get(version_id)
        if version is None:
            return None
        return dict(iter_atoms(version[2])).get(path)


def _lines_of(traces) -> list[dict]:
    lines = []
    for trace in traces:
        if "lines" in trace:
            lines.extend(trace["lines"])
        elif "reasons" in trace:
            lines.append(trace)
    return lines


def names_for(traces: list[dict]) -> Names:
    """Everything the sentences of ``traces`` (whole outcomes, or single lines) name, in at most
    ten queries whatever their number."""
    from accounts.models import Institution
    from achievements.models import Achievement, AchievementCategory

    from .models import Certificate, Course, RuleVersion, SelfStudySubject
    from .simulation import achievement_id
    from .source import standard_names

    lines = _lines_of(traces)
    course_ids, version_ids, holding_ids, issuers = set(), set(), set(), set()
    atoms: list[dict] = []
    for line in lines:
        course_ids.add(line.get("course_id"))
        if line.get("version_id"):
            version_ids.add(line["version_id"])
        holding_ids.update(line.get("holding_ids") or ())
        for reason in line.get("reasons") or ():
            if reason.get("holding"):
                holding_ids.add(reason["holding"])
            if reason.get("course_id"):
                course_ids.add(reason["course_id"])
            if reason.get("version_id"):
                version_ids.add(reason["version_id"])
            if reason.get("issuer"):
                issuers.add(reason["issuer"])
            if isinstance(reason.get("atom"), dict):
                atoms.append(reason["atom"])
    names = Names()
    course_ids.discard(None)
    if course_ids:
        names.courses = {
            pk: (code, name)
            for pk, code, name in Course.objects.filter(pk__in=course_ids).values_list(
                "pk", "code", "name"
            )
        }
    if version_ids:
        names.versions = {
            pk: (number, version, source or {})
            for pk, number, version, source in RuleVersion.objects.filter(
                pk__in=version_ids
            ).values_list("pk", "rule__number", "version", "source")
        }
        for _number, _version, source in names.versions.values():
            atoms.extend(atom for _path, atom in iter_atoms(source))
    achievement_pks = {achievement_id(h) for h in holding_ids} - {None}
    if achievement_pks:
        names.achievements = {
            f"a{pk}": title
            for pk, title in Achievement.objects.filter(pk__in=achievement_pks).values_list(
                "pk", "title"
            )
        }
    institution_pks = {int(i[1:]) for i in issuers if i.startswith("i") and i[1:].isdigit()}
    if institution_pks:
        names.issuers = {
            f"i{pk}": name
            for pk, name in Institution.objects.filter(pk__in=institution_pks).values_list(
                "pk", "name"
            )
        }

    def wanted(kind, key):
        return {atom.get(key) for atom in atoms if atom.get("kind") == kind} - {None, ""}

    if codes := wanted("category", "category"):
        names.categories = {c.code: c for c in AchievementCategory.objects.filter(code__in=codes)}
    if pks := wanted("certificate", "certificate"):
        names.certificates = {c.pk: c for c in Certificate.objects.filter(pk__in=pks)}
    if pks := wanted("course", "course"):
        names.other_courses = {
            c.pk: c for c in Course.objects.filter(pk__in=pks).select_related("institution")
        }
    if codes := wanted("self_study", "subject"):
        names.subjects = {s.code: s for s in SelfStudySubject.objects.filter(code__in=codes)}
    if codes := wanted("standard", "code"):
        names.standards = standard_names(codes)
    return names


# --- Sentences ---------------------------------------------------------------------------------


def status_label(status) -> str:
    return {
        engine.MATCH: pgettext("conversion line", "Match"),
        engine.PARTIAL: pgettext("conversion line", "Partial"),
        engine.MISS: pgettext("conversion line", "Miss"),
        engine.CONVERTED: pgettext("conversion line", "Converted"),
    }.get(status, status)


def _date(value) -> str:
    if not value:
        return ""
    try:
        return date_format(datetime.date.fromisoformat(value), "DATE_FORMAT")
    except (TypeError, ValueError):
        return str(value)


def _result(result: dict | None) -> str:
    if not result:
        return ""
    kind, value = result.get("kind"), result.get("value", "")
    if kind == "score":
        return _("score %(value)s") % {"value": value}
    if kind == "grade":
        from achievements.models import Achievement

        try:
            return str(Achievement.Grade(value).label)
        except ValueError:
            return str(value)
    return _("passed") if value == "pass" else _("failed")


def _assumed(assumed) -> str:
    parts = []
    if "date" in (assumed or ()):
        parts.append(_("the date obtained is not known and is assumed recent enough"))
    if "result" in (assumed or ()):
        parts.append(_("the result is not known and is assumed good enough"))
    return _("; ").join(parts)


def reason_sentence(reason: dict, names: Names, *, holdings: dict | None = None, line=None) -> str:
    """One reason of a line (``{"code": …, facts…}``) as a sentence in the active language."""
    code = reason.get("code")
    atom = reason.get("atom") if isinstance(reason.get("atom"), dict) else None
    facts = {
        "atom": names.atom(atom) if atom else "",
        "holding": names.holding(reason.get("holding", ""), holdings),
    }
    if code == "atom_met":
        text = _("%(atom)s: met by “%(holding)s”.") % facts
        assumed = _assumed(reason.get("assumed"))
        if assumed:
            text += _(" (%(assumed)s)") % {"assumed": assumed}
        return text
    if code == "atom_missing":
        return _("%(atom)s: nothing you hold meets this.") % facts
    if code == "atom_too_old":
        return _(
            "%(atom)s: “%(holding)s” was obtained on %(obtained_on)s, more than %(years)s years "
            "ago (it had to be on or after %(earliest)s)."
        ) % {
            **facts,
            "obtained_on": _date(reason.get("obtained_on")),
            "years": reason.get("within_years"),
            "earliest": _date(reason.get("earliest")),
        }
    if code == "atom_result_low":
        return _(
            "%(atom)s: the result of “%(holding)s” (%(result)s) does not reach the minimum"
            "%(minimum)s."
        ) % {
            **facts,
            "result": _result(reason.get("result")),
            "minimum": result_words(reason.get("min_result")),
        }
    if code == "holding_used_elsewhere":
        return _("%(atom)s: “%(holding)s” is already used by rule %(number)s.") % {
            **facts,
            "number": reason.get("by", ""),
        }
    if code == "holding_converted":
        if reason.get("anywhere"):
            return (
                _(
                    "%(atom)s: “%(holding)s” has already been converted or applied for at another "
                    "institution, and an achievement converts only once anywhere."
                )
                % facts
            )
        if reason.get("open"):
            return (
                _(
                    "%(atom)s: “%(holding)s” is in an application at this institution that is "
                    "still waiting for its decision."
                )
                % facts
            )
        return _("%(atom)s: “%(holding)s” has already been converted at this institution.") % facts
    if code == "certificate_cap":
        return _(
            "%(atom)s: “%(holding)s” is a certificate, and at most %(limit)s certificates may "
            "count in conversions at this institution."
        ) % {**facts, "limit": reason.get("limit")}
    if code == "group_short":
        return _("%(group)s: %(met)s of the %(needed)s items it asks for are met.") % {
            "group": names.node_label((line or {}).get("version_id"), reason.get("path", "")),
            "met": reason.get("met", 0),
            "needed": reason.get("needed", 0),
        }
    if code == "rule_met":
        return _("Rule %(number)s (version %(version)s) is met.") % {
            "number": reason.get("number", ""),
            "version": reason.get("version", ""),
        }
    if code == "cap_cut":
        amounts = {
            "limit": reason.get("limit"),
            "left": reason.get("left"),
            "cut": reason.get("cut"),
            "issuer": names.issuer(reason.get("issuer", "")),
        }
        if reason.get("cap") == "per_year":
            return (
                _(
                    "At most %(limit)s credits a year may be converted at this institution: "
                    "%(left)s were left, so %(cut)s credits are cut."
                )
                % amounts
            )
        if reason.get("cap") == "per_source":
            return (
                _(
                    "At most %(limit)s credits may come from achievements issued by %(issuer)s: "
                    "%(left)s were left, so %(cut)s credits are cut."
                )
                % amounts
            )
        return (
            _(
                "Conversion may supply at most %(limit)s credits of this programme: %(left)s "
                "were left, so %(cut)s credits are cut."
            )
            % amounts
        )
    if code == "already_converted":
        if reason.get("open"):
            return _(
                "You have already applied for this course; that application is waiting for its "
                "decision."
            )
        return _("You already have a conversion for this course.")
    if code == "granted_by_other_rule":
        return _("Rule %(number)s grants this course too; a course is granted only once.") % {
            "number": reason.get("number", "")
        }
    if code == "granted_with":
        return _(
            "Granted by the same rule as %(course)s, whose line uses the achievements: apply "
            "for both together."
        ) % {"course": names.course(reason.get("course_id"))}
    if code == "no_rule":
        return _("No rule of this programme grants this course.")
    return str(code)


def line_sentences(line: dict, names: Names, *, holdings: dict | None = None) -> list[str]:
    """The reasons of one line (an element of ``Outcome.trace()["lines"]``) as sentences in the
    active language, in the order the engine gave them."""
    return [
        reason_sentence(reason, names, holdings=holdings, line=line)
        for reason in line.get("reasons") or ()
    ]


def missing_sentences(line: dict, names: Names) -> list[str]:
    """What a partial match still lacks: each missing requirement as a sentence."""
    atoms = {
        reason["path"]: reason["atom"]
        for reason in line.get("reasons") or ()
        if isinstance(reason.get("atom"), dict) and "path" in reason
    }
    out = []
    for path in line.get("missing") or ():
        atom = atoms.get(path) or names.atom_at(line.get("version_id"), path)
        if atom is not None:
            out.append(names.atom(atom))
        else:
            out.append(
                _("%(group)s: the rule as a whole is not met.")
                % {"group": names.node_label(line.get("version_id"), path)}
            )
    return out
