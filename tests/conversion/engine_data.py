"""Small builders of ``conversion.engine`` data for the engine's table and property tests (no
database)."""

import datetime
from decimal import Decimal

from conversion import engine

ON = datetime.date(2026, 12, 4)
INSTITUTION = 1
OTHER_INSTITUTION = 2
PROGRAMME = 7


def holding(hid, **fields) -> engine.Holding:
    fields.setdefault("title", f"Achievement {hid}")
    fields.setdefault("credits", Decimal("3"))
    fields.setdefault("obtained_on", datetime.date(2025, 6, 1))
    for key in ("certificates", "courses", "subjects"):
        if key in fields:
            fields[key] = frozenset(fields[key])
    return engine.Holding(id=hid, **fields)


def atom(kind, **fields) -> dict:
    node = {"type": "atom", "kind": kind, "within_years": None}
    if kind != "standard":
        node["min_result"] = None
    if kind == "category":
        node["min_level"] = None
    node.update(fields)
    return node


def std(code, **fields):
    return atom("standard", code=code, **fields)


def cat(code, **fields):
    return atom("category", category=code, **fields)


def cert(pk, **fields):
    return atom("certificate", certificate=pk, **fields)


def course_atom(pk, **fields):
    return atom("course", course=pk, **fields)


def subject(code, **fields):
    return atom("self_study", subject=code, **fields)


def all_of(*items):
    return {"type": "all", "items": list(items)}


def any_of(*items):
    return {"type": "any", "items": list(items)}


def n_of(n, *items):
    return {"type": "n_of", "n": n, "items": list(items)}


def target(course_id, credits="4") -> engine.Target:
    if credits is None:
        return engine.Target(course_id=course_id, outcome=engine.EXEMPTION, credits=None)
    return engine.Target(course_id=course_id, outcome=engine.CREDITS, credits=Decimal(credits))


def rule(version_id, source, *targets, number=None, version=1) -> engine.Rule:
    if source.get("type") == "atom":
        source = all_of(source)
    return engine.Rule(
        version_id=version_id,
        number=number or f"ZH-2026-{version_id:04d}",
        version=version,
        source=source,
        targets=tuple(targets) or (target(1),),
    )


COURSES = tuple(
    engine.Course(id=pk, code=f"OU-{pk:04d}", name=f"Course {pk}", credits=Decimal("4"))
    for pk in range(1, 13)
)


def situation(holdings=(), rules=(), *, caps=None, prior=(), on=ON, graduation="200", **kw):
    return engine.Situation(
        on=on,
        institution_id=INSTITUTION,
        programme_id=PROGRAMME,
        graduation_credits=Decimal(graduation),
        courses=kw.pop("courses", COURSES),
        rules=tuple(rules),
        holdings=tuple(holdings),
        caps=caps or engine.Caps(),
        prior=tuple(prior),
    )


def prior(*holding_ids, credits="0", institution=INSTITUTION, course=None, **fields):
    fields.setdefault("in_programme", institution == INSTITUTION)
    fields.setdefault("on", ON - datetime.timedelta(days=30))
    return engine.Prior(
        holding_ids=tuple(holding_ids),
        institution_id=institution,
        course_id=course,
        credits=Decimal(credits),
        **fields,
    )


def codes(line) -> list[str]:
    return [reason.code for reason in line.reasons]


def reasons(line, code) -> list[dict]:
    return [reason.facts for reason in line.reasons if reason.code == code]


def benchmark_situation(seed: int = 1) -> engine.Situation:
    """The benchmark case without a database: 50 holdings and 200 rules of one to four atoms
    over a vocabulary where many rules are met, with every cap set."""
    import random

    rnd = random.Random(seed)
    categories = ["online_course", "vocational_skill_certificate", "self_study_exam", "micro"]
    results = {
        "score": lambda: str(rnd.randint(40, 100)),
        "grade": lambda: rnd.choice(["优秀", "良好", "中等", "合格", "不合格"]),
        "pass": lambda: rnd.choice(["pass", "fail"]),
    }
    holdings = []
    for k in range(50):
        kind = rnd.choice(list(results))
        holdings.append(
            holding(
                f"a{k + 1}",
                category=rnd.choice(categories),
                level=rnd.randint(1, 6),
                result_kind=kind,
                result_value=results[kind](),
                obtained_on=datetime.date(2020, 1, 1) + datetime.timedelta(rnd.randint(0, 2400)),
                credits=Decimal(rnd.randint(1, 5)),
                issuer=f"i{rnd.randint(1, 5)}",
                standard=f"STD-{rnd.randint(1, 80)}",
                certificates={rnd.randint(1, 60)},
                courses={rnd.randint(1, 100)},
                subjects={f"{rnd.randint(1, 60):05d}"},
                is_certificate=rnd.random() < 0.3,
            )
        )

    def random_atom():
        kind = rnd.choice(["standard", "category", "certificate", "course", "self_study"])
        fields = {"within_years": rnd.choice([None, 3, 5])}
        if kind != "standard":
            fields["min_result"] = rnd.choice(
                [
                    None,
                    {"kind": "pass"},
                    {"kind": "score", "value": 70},
                    {"kind": "grade", "value": "良好"},
                ]
            )
        if kind == "standard":
            return std(f"STD-{rnd.randint(1, 80)}", **fields)
        if kind == "category":
            return cat(rnd.choice(categories), min_level=rnd.choice([None, 3]), **fields)
        if kind == "certificate":
            return cert(rnd.randint(1, 60), **fields)
        if kind == "course":
            return course_atom(rnd.randint(1, 100), **fields)
        return subject(f"{rnd.randint(1, 60):05d}", **fields)

    rules = []
    for r in range(200):
        items = [random_atom() for _ in range(rnd.randint(1, 4))]
        shape = rnd.choice(["all", "any", "n_of"])
        source = (
            n_of(rnd.randint(1, len(items)), *items)
            if shape == "n_of"
            else {"type": shape, "items": items}
        )
        course = rnd.randint(1, 60)
        credits = None if rnd.random() < 0.3 else str(rnd.randint(1, 4))
        rules.append(rule(1000 + r, source, target(course, credits)))
    courses = tuple(
        engine.Course(id=pk, code=f"C{pk:03d}", name=f"c{pk}", credits=Decimal("4"))
        for pk in range(1, 61)
    )
    return situation(
        holdings,
        rules,
        courses=courses,
        graduation="80",
        caps=engine.Caps(
            share_percent=50, per_year=Decimal("30"), per_source=Decimal("12"), certificates=3
        ),
    )
