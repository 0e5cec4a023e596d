"""Pages of the standards (标准): the public standards guidance and their management."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN
from creditbank.errors import NotAllowed, ServiceError
from creditbank.pages import filter_query, form_page, paginate, refusal, refuse, status_for

from .. import services
from ..access import (
    INSTITUTION_STAFF,
    STANDARD_WRITERS,
    achievement_category_for,
    is_author,
    is_centre_admin,
    public_unit_standard,
    qualification_level_for,
    unit_standard_actions,
    unit_standard_for,
    unit_standards_for,
    writable_institutions,
)
from ..credits import hours_per_credit
from ..forms.standards import (
    AchievementCategoryForm,
    ConfirmForm,
    DecisionForm,
    ManageFilterForm,
    QualificationLevelForm,
    ReasonForm,
    StandardSearchForm,
    UnitStandardForm,
    issuer_choices,
)
from ..models import AchievementCategory, QualificationLevel, UnitStandard

Status = UnitStandard.Status


# The link above every form page of the standards: back to the guidance they belong to.
GUIDE = (reverse_lazy("achievements:standard_guide"), gettext_lazy("Standards guidance"))


# --- Public standards guidance (标准指南) ------------------------------------------------------


def _levels_for(user):
    levels = QualificationLevel.objects.all()
    return levels if is_centre_admin(user) else levels.active()


@require_GET
def standard_guide(request):
    """The front page of the guidance: what levels, categories and unit standards are."""
    context = {
        "levels": list(QualificationLevel.objects.active()),
        "category_count": AchievementCategory.objects.active().count(),
        "form": StandardSearchForm(),
        "hours_per_credit": hours_per_credit(),
    }
    return render(request, "achievements/guide.html", context)


@require_GET
def level_list(request):
    context = {
        "levels": _levels_for(request.user),
        "is_centre_admin": is_centre_admin(request.user),
        "hours_per_credit": hours_per_credit(),
    }
    return render(request, "achievements/level_list.html", context)


@require_GET
def level_detail(request, pk):
    level = qualification_level_for(request.user, pk)
    levels = list(_levels_for(request.user).only("pk", "number", "name_zh", "name_en"))
    index = levels.index(level)
    context = {
        "level": level,
        "previous": levels[index - 1] if index > 0 else None,
        "next": levels[index + 1] if index < len(levels) - 1 else None,
        "standard_count": UnitStandard.objects.published().filter(level=level).count(),
        "is_centre_admin": is_centre_admin(request.user),
    }
    return render(request, "achievements/level_detail.html", context)


@require_GET
def category_list(request):
    categories = AchievementCategory.objects.all()
    if not is_centre_admin(request.user):
        categories = categories.active()
    context = {"categories": categories, "is_centre_admin": is_centre_admin(request.user)}
    return render(request, "achievements/category_list.html", context)


@require_GET
def standard_list(request):
    """Approved unit standards: search by code or name, filter by level, field and issuer."""
    form = StandardSearchForm(request.GET or None)
    standards = UnitStandard.objects.published()
    if form.is_valid():
        standards = form.filter(standards)
    context = {"form": form, "page": paginate(request, standards), "query": filter_query(request)}
    return render(request, "achievements/standard_list.html", context)


@require_GET
def standard_detail(request, pk):
    return render(
        request, "achievements/standard_detail.html", {"standard": public_unit_standard(pk)}
    )


# --- Levels and categories, for the centre -----------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def level_edit(request, pk):
    level = qualification_level_for(request.user, pk, write=True)
    fields = ("name_zh", "name_en", "descriptor_zh", "descriptor_en", "is_active")
    form = QualificationLevelForm(
        request.POST or None, initial={name: getattr(level, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.qualification_level_update(
                acting_user=request.user, level=level, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The level was saved."))
            return redirect("achievements:level_detail", pk=level.pk)
    return form_page(
        request,
        form,
        back=GUIDE,
        title=_("Edit level %(number)d") % {"number": level.number},
        submit=gettext_lazy("Save"),
        cancel=reverse("achievements:level_detail", args=[level.pk]),
        intro=gettext_lazy(
            "The level's code and number stay the same: unit standards and credits refer to them."
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def category_edit(request, pk):
    category = achievement_category_for(request.user, pk, write=True)
    fields = ("name_zh", "name_en", "evidence_zh", "evidence_en", "validity_years", "is_active")
    form = AchievementCategoryForm(
        request.POST or None, initial={name: getattr(category, name) for name in fields}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.achievement_category_update(
                acting_user=request.user, category=category, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The category was saved."))
            return redirect("achievements:category_list")
    return form_page(
        request,
        form,
        back=GUIDE,
        title=_("Edit the category “%(name)s”") % {"name": category.name},
        submit=gettext_lazy("Save"),
        cancel=reverse("achievements:category_list"),
    )


# --- Unit standards, for their issuers and the centre -----------------------------------------


@role_required(CENTRE_ADMIN, *INSTITUTION_STAFF)
@require_GET
def standard_manage(request):
    """Unit standards by status: those waiting for a decision first. All of them for the
    centre; their own institution's for institution staff."""
    form = ManageFilterForm(request.GET or None)
    standards = unit_standards_for(request.user)
    if form.is_valid():
        standards = form.filter(standards)
    context = {
        "form": form,
        "page": paginate(request, standards),
        "query": filter_query(request),
        "can_create": is_centre_admin(request.user) or writable_institutions(request.user).exists(),
        "is_centre_admin": is_centre_admin(request.user),
    }
    return render(request, "achievements/standard_manage.html", context)


@role_required(*STANDARD_WRITERS)
@require_http_methods(["GET", "POST"])
def standard_create(request):
    institutions = list(writable_institutions(request.user).order_by("name"))
    choices = issuer_choices(institutions, centre=is_centre_admin(request.user))
    form = UnitStandardForm(request.POST or None, issuers=choices)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            standard = services.unit_standard_create(
                acting_user=request.user, institution=data.pop("issuer"), **data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request,
                _("The draft was saved. Submit it when it is ready for the centre's decision."),
            )
            return redirect("achievements:standard_manage_detail", pk=standard.pk)
    intro = ""
    if not choices:
        intro = _(
            "You can draft unit standards only for an approved institution where you are an "
            "administrator or clerk."
        )
    return form_page(
        request,
        form,
        back=GUIDE,
        title=gettext_lazy("New unit standard"),
        submit=gettext_lazy("Save the draft"),
        cancel=reverse("achievements:standard_manage"),
        intro=intro,
    )


ACTION_LABELS = {
    "submit": gettext_lazy("Submit for a decision"),
    "new_version": gettext_lazy("Start a new version"),
}


def _manage_detail(request, standard, *, retire_form=None, refused=None, status=200):
    """The management page of a standard; ``retire_form`` is a refused retirement to show with
    its errors, ``refused`` a refusal with no form left to sit in."""
    actions = unit_standard_actions(request.user, standard)
    buttons = [
        (ACTION_LABELS[a], reverse(f"achievements:standard_{a}", args=[standard.pk]))
        for a in actions
        if a in ACTION_LABELS
    ]
    if "retire" not in actions:
        retire_form = None
    elif retire_form is None:
        retire_form = ReasonForm(prefix="retire")
    versions = (
        UnitStandard.objects.filter(code=standard.code)
        .select_related("decided_by")
        .order_by("-version")
    )
    context = {
        "standard": standard,
        "buttons": buttons,
        "can_edit": "edit" in actions,
        "can_decide": "approve" in actions,
        "retire_form": retire_form,
        "refused": refused,
        "versions": versions,
    }
    return render(request, "achievements/standard_manage_detail.html", context, status=status)


@login_required
@require_GET
def standard_manage_detail(request, pk):
    return _manage_detail(request, unit_standard_for(request.user, pk))


@login_required
@require_http_methods(["GET", "POST"])
def standard_edit(request, pk):
    """Edit a draft; on an approved standard, saving makes the next version as a draft."""
    standard = unit_standard_for(request.user, pk, write=True)
    initial = {
        "code": standard.code,
        "name": standard.name,
        "field": standard.field,
        "level": standard.level_id,
        "credit_value": standard.credit_value,
        "outcomes": standard.outcomes,
    }
    code_fixed = standard.version > 1 or standard.status != Status.DRAFT
    form = UnitStandardForm(request.POST or None, initial=initial, code_fixed=code_fixed)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.unit_standard_update(
                acting_user=request.user, standard=standard, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            if saved.pk != standard.pk:
                messages.success(
                    request,
                    _(
                        "Version %(version)d was saved as a draft. Version %(current)d stays "
                        "published until the new one is approved."
                    )
                    % {"version": saved.version, "current": standard.version},
                )
            else:
                messages.success(request, _("The draft was saved."))
            return redirect("achievements:standard_manage_detail", pk=saved.pk)
    intro = ""
    if standard.status == Status.APPROVED:
        intro = _(
            "This version is approved and published. Saving makes version %(next)d as a draft; "
            "this one stays published until the new version is approved."
        ) % {"next": standard.version + 1}
    elif standard.status != Status.DRAFT:
        intro = _("A unit standard that is “%(status)s” cannot be edited.") % {
            "status": standard.get_status_display()
        }
    return form_page(
        request,
        form,
        back=GUIDE,
        title=_("Edit %(code)s version %(version)d")
        % {"code": standard.code, "version": standard.version},
        submit=gettext_lazy("Save"),
        cancel=reverse("achievements:standard_manage_detail", args=[standard.pk]),
        intro=intro,
    )


@login_required
@require_POST
def standard_submit(request, pk):
    standard = unit_standard_for(request.user, pk, write=True)
    try:
        services.unit_standard_submit(acting_user=request.user, standard=standard)
    except ServiceError as exc:
        standard.refresh_from_db()
        return _manage_detail(request, standard, refused=refusal(exc))
    messages.success(request, _("The unit standard was submitted to the centre for a decision."))
    return redirect("achievements:standard_manage_detail", pk=standard.pk)


@login_required
@require_POST
def standard_new_version(request, pk):
    standard = unit_standard_for(request.user, pk, write=True)
    try:
        draft = services.unit_standard_new_version(acting_user=request.user, standard=standard)
    except ServiceError as exc:
        return _manage_detail(request, standard, refused=refusal(exc))
    messages.success(
        request,
        _("Version %(version)d was started as a draft. Make the changes and submit it.")
        % {"version": draft.version},
    )
    return redirect("achievements:standard_edit", pk=draft.pk)


COMPARED = (
    ("name", gettext_lazy("Name")),
    ("field", gettext_lazy("Field")),
    ("level", gettext_lazy("Level")),
    ("credit_value", gettext_lazy("Credit value")),
    ("outcomes", gettext_lazy("Learning outcomes and assessment")),
)
DECIDED = {
    "approve": gettext_lazy("The unit standard was approved and is now published."),
    "reject": gettext_lazy("The unit standard was returned to its issuer as a draft."),
}


def _comparison(standard):
    previous = standard.previous_version
    if previous is None:
        return []
    return [
        (
            label,
            getattr(previous, name),
            getattr(standard, name),
            getattr(previous, name) != getattr(standard, name),
        )
        for name, label in COMPARED
    ]


@role_required(CENTRE_ADMIN)
@require_http_methods(["GET", "POST"])
def standard_decide(request, pk):
    """The centre's decision page: the standard, what changed since the approved version, and
    approve or return. Its authors see why they may not decide; a refused decision is a 403."""
    standard = unit_standard_for(request.user, pk)
    author = is_author(request.user, standard)
    form = DecisionForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.unit_standard_decide(
                acting_user=request.user,
                standard=standard,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
            )
        except NotAllowed as exc:  # about who decides (an author, the issuer's staff)
            refuse(form, exc)
            status = status_for(exc)
            standard.refresh_from_db()
        except ServiceError as exc:  # about the input or the status: shown on the form
            refuse(form, exc)
            standard.refresh_from_db()
        else:
            messages.success(request, DECIDED[form.cleaned_data["decision"]])
            return redirect("achievements:standard_manage_detail", pk=standard.pk)
    context = {
        "standard": standard,
        "form": form,
        "author": author,
        "open": standard.status == Status.SUBMITTED,
        "comparison": _comparison(standard),
    }
    return render(request, "achievements/standard_decide.html", context, status=status)


@role_required(CENTRE_ADMIN)
@require_POST
def standard_retire(request, pk):
    standard = unit_standard_for(request.user, pk)
    form = ReasonForm(request.POST, prefix="retire")
    if form.is_valid():
        try:
            services.unit_standard_retire(
                acting_user=request.user, standard=standard, reason=form.cleaned_data["reason"]
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The unit standard was retired."))
            return redirect("achievements:standard_manage_detail", pk=standard.pk)
    standard.refresh_from_db()
    if standard.status != Status.APPROVED:  # no retire form left to show the refusal in
        refused = ConfirmForm({})
        refused.is_valid()
        for error in form.errors.values():
            refused.add_error(None, error)
        return _manage_detail(request, standard, refused=refused)
    return _manage_detail(request, standard, retire_form=form)
