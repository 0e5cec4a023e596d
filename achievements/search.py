"""Unit standards in the public search (creditbank.search): approved ones, as the public
standards guide lists them."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from creditbank.search import Hit, SearchKind

from .models import UnitStandard


def _standards(text):
    return UnitStandard.objects.published().filter(
        Q(code__icontains=text) | Q(name__icontains=text) | Q(field__icontains=text)
    )


def _standard_hit(standard, text):
    detail = _("%(code)s · %(field)s · %(level)s · %(credits)s credits") % {
        "code": standard.code,
        "field": standard.field,
        "level": standard.level.name,
        "credits": f"{standard.credit_value.normalize():f}",
    }
    return Hit(standard.name, reverse("achievements:standard_detail", args=[standard.pk]), detail)


SEARCH_KINDS = [
    SearchKind("standards", gettext_lazy("Unit standards"), 20, _standards, _standard_hit),
]
