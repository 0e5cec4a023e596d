"""Validity dates of rule versions: the checks drafting and publishing share.

Two published versions of one rule never overlap (the database's exclusion constraint). A new
version that starts later than a published one takes over from it: at publishing, the earlier
one's ``ends_on`` becomes the day before the new one starts (``superseded_versions``). What
publishing cannot resolve is refused while drafting (``validity_check``): a published version
that starts on or after this one's start and that this one's range reaches.
"""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from creditbank.errors import InvalidInput

from .models import RuleVersion


def validity_check(*, rule, valid_from, valid_until, exclude=None) -> None:
    """Refuse (``InvalidInput``) validity that ends before it starts (field ``valid_until``),
    or that overlaps a published version of ``rule`` which publishing could not cut short: one
    starting on or after ``valid_from`` whose range this one reaches (field ``valid_from``).
    ``exclude``: a version (or pk) not to compare with, e.g. the one being edited. ``rule``
    None (a new rule) has no versions to compare with."""
    if valid_from is None:
        raise InvalidInput(
            _("Give the first day of validity."), field="valid_from", code="required"
        )
    if valid_until is not None and valid_until < valid_from:
        raise InvalidInput(
            _("The end date is before the start date."),
            field="valid_until",
            code="validity_order",
        )
    if rule is None or getattr(rule, "pk", None) is None:
        return
    later = RuleVersion.objects.published().filter(rule=rule, valid_from__gte=valid_from)
    if valid_until is not None:
        later = later.filter(valid_from__lte=valid_until)
    if exclude is not None:
        later = later.exclude(pk=getattr(exclude, "pk", exclude))
    clash = later.order_by("valid_from").first()
    if clash is not None:
        raise InvalidInput(
            _(
                "Published version %(version)d of this rule starts on %(start)s, within this "
                "version's validity; end this version before that day or start it later."
            )
            % {"version": clash.version, "start": date_format(clash.valid_from, "Y-m-d")},
            field="valid_from",
            code="validity_overlap",
        )


def superseded_versions(version) -> list[tuple[RuleVersion, datetime.date]]:
    """The published versions of ``version``'s rule that started earlier and would still be
    valid on its start, each with the day it will end when ``version`` is published (the day
    before ``version.valid_from``). Publishing sets their ``ends_on`` to it."""
    day_before = version.valid_from - datetime.timedelta(days=1)
    earlier = (
        RuleVersion.objects.published()
        .filter(rule_id=version.rule_id, valid_from__lt=version.valid_from)
        .exclude(pk=version.pk)
        .order_by("valid_from")
    )
    return [
        (published, day_before)
        for published in earlier
        if published.valid_end is None or published.valid_end >= version.valid_from
    ]
