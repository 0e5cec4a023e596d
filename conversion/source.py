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
"""

from collections.abc import Iterator

GROUP_TYPES = ("all", "any", "n_of")
ATOM_KINDS = ("standard", "category", "certificate", "course", "self_study")


def iter_atoms(node: dict, path: tuple[int, ...] = ()) -> Iterator[tuple[str, dict]]:
    """Every atom of the tree under ``node`` with its path ("0.2.1"), depth first, in order."""
    if node.get("type") == "atom":
        yield ".".join(map(str, path)), node
        return
    for index, item in enumerate(node.get("items", ())):
        yield from iter_atoms(item, (*path, index))
