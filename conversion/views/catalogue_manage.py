"""Pages where an institution's staff keep its programmes (专业) and courses (课程), one at a
time or in bulk from a spreadsheet. Its administrators and clerks write; its reviewers and the
centre administrators read the lists (a write is 403); anyone else gets 404 for an object."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.models import Institution
from accounts.roles import CENTRE_ADMIN, INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_ROLES
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, form_page, paginate, refuse

from ..access import (
    caps_institution_for,
    course_for,
    courses_for,
    is_centre_admin,
    programme_for,
    programmes_for,
    staff_institution_ids,
    writer_institutions,
)
from ..forms.catalogue import (
    CapsForm,
    CourseForm,
    CourseImportForm,
    ManageFilterForm,
    ProgrammeForm,
)
from ..models import Course, Programme
from ..services import catalogue as services
from ..services import course_import as importing

READERS = (CENTRE_ADMIN, *INSTITUTION_ROLES)
WRITERS = (INSTITUTION_ADMIN, INSTITUTION_CLERK)
PER_PAGE = 25
PROGRAMMES = (reverse_lazy("conversion:programme_manage"), gettext_lazy("Programmes"))
COURSES = (reverse_lazy("conversion:course_manage"), gettext_lazy("Courses"))
TEMPLATE_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def _listed_institutions(user, model):
    """The institutions the list may be narrowed to: those of ``user``'s staff roles, or for a
    centre administrator every institution that has a row of ``model``."""
    if is_centre_admin(user):
        ids = model.objects.values("institution_id")
    else:
        ids = staff_institution_ids(user)
    return list(Institution.objects.filter(pk__in=ids).order_by("name"))


def _chosen_institution(request) -> int | None:
    try:
        return int(request.GET.get("institution", ""))
    except ValueError:
        return None


def _no_institution_intro(institutions) -> str:
    if institutions:
        return ""
    return _(
        "Only the administrators and clerks of an approved institution can add programmes and "
        "courses."
    )


# --- Programmes -------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def programme_manage(request):
    """The programmes of the user's institutions (every one for the centre), by institution and
    code, with how many courses each has."""
    institutions = _listed_institutions(request.user, Programme)
    form = ManageFilterForm(request.GET or None, institutions=institutions)
    programmes = programmes_for(request.user).annotate(course_count=Count("courses"))
    if form.is_valid():
        programmes = form.filter(programmes)
    caps_institutions = list(writer_institutions(request.user).order_by("name").only("pk", "name"))
    writable = {institution.pk for institution in caps_institutions}
    context = {
        "caps_institutions": caps_institutions,
        "form": form,
        "page": paginate(
            request, programmes.order_by("institution__name", "code"), per_page=PER_PAGE
        ),
        "query": filter_query(request),
        "writable": writable,
        "several": len(institutions) > 1,
    }
    return render(request, "conversion/manage/programme_list.html", context)


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def programme_create(request):
    institutions = list(writer_institutions(request.user).order_by("name"))
    form = ProgrammeForm(request.POST or None, institutions=institutions)
    if request.method == "POST" and form.is_valid():
        try:
            programme = services.programme_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(
                request, _("The programme %(code)s was added.") % {"code": programme.code}
            )
            return redirect("conversion:programme_manage")
    return form_page(
        request,
        form,
        back=PROGRAMMES,
        title=gettext_lazy("New programme"),
        submit=gettext_lazy("Save"),
        cancel=reverse("conversion:programme_manage"),
        intro=_no_institution_intro(institutions),
    )


@login_required
@require_http_methods(["GET", "POST"])
def caps_edit(request, pk):
    """An institution's general conversion caps: what its programmes apply unless they set
    their own (on the programme's form)."""
    institution = caps_institution_for(request.user, pk, write=True)
    policy = getattr(institution, "conversion_policy", None)
    form = CapsForm(
        request.POST or None,
        initial={
            name: getattr(policy, name, None)
            for name in ("per_year_credits", "per_source_credits", "certificates_max")
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.caps_update(
                acting_user=request.user, institution=institution, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The conversion caps were saved."))
            return redirect("conversion:programme_manage")
    return form_page(
        request,
        form,
        back=PROGRAMMES,
        title=_("Conversion caps of %(institution)s") % {"institution": institution.name},
        intro=_(
            "Caps on what one learner may convert at your institution, for every programme that "
            "sets none of its own. Leave a cap empty for none. Conversion never supplies more "
            "than each programme's largest share of its credits to graduate."
        ),
        submit=gettext_lazy("Save"),
        cancel=reverse("conversion:programme_manage"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def programme_edit(request, pk):
    programme = programme_for(request.user, pk, write=True)
    form = ProgrammeForm(
        request.POST or None,
        initial={name: getattr(programme, name) for name in services.PROGRAMME_FIELDS},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.programme_update(
                acting_user=request.user, programme=programme, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The programme was saved."))
            return redirect("conversion:programme_manage")
    return form_page(
        request,
        form,
        back=PROGRAMMES,
        title=_("Edit the programme %(name)s") % {"name": f"{programme.code} {programme.name}"},
        submit=gettext_lazy("Save"),
        cancel=reverse("conversion:programme_manage"),
        intro=_("%(institution)s. Untick “Open for conversion” to close the programme.")
        % {"institution": programme.institution.name},
    )


# --- Courses ----------------------------------------------------------------------------------


@role_required(*READERS)
@require_GET
def course_manage(request):
    """The courses of the user's institutions (every one for the centre): search by code or
    name, narrow by institution and programme; each links to its catalogue page when public."""
    institutions = _listed_institutions(request.user, Course)
    chosen = _chosen_institution(request)
    programmes = programmes_for(request.user).order_by("code")
    if chosen is not None:
        programmes = programmes.filter(institution_id=chosen)
    elif is_centre_admin(request.user):
        programmes = None  # every programme of the city is too long a list: choose one first
    form = ManageFilterForm(
        request.GET or None,
        institutions=institutions,
        programmes=list(programmes) if programmes is not None else None,
    )
    courses = courses_for(request.user)
    if form.is_valid():
        courses = form.filter(courses)
    writable = set(writer_institutions(request.user).values_list("pk", flat=True))
    context = {
        "form": form,
        "page": paginate(
            request, courses.order_by("institution__name", "code").distinct(), per_page=PER_PAGE
        ),
        "query": filter_query(request),
        "writable": writable,
        "can_import": bool(writable),
        "several": len(institutions) > 1,
        "approved": Institution.Status.APPROVED,
    }
    return render(request, "conversion/manage/course_list.html", context)


def _programme_choices(institution_ids, course=None):
    """The programmes a course may be put in: the open ones of ``institution_ids``, and those
    it is in already."""
    programmes = Programme.objects.filter(institution_id__in=institution_ids, is_active=True)
    if course is not None:
        programmes = (programmes | Programme.objects.filter(courses=course)).distinct()
    return programmes.select_related("institution").order_by("institution__name", "code")


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def course_create(request):
    institutions = list(writer_institutions(request.user).order_by("name"))
    form = CourseForm(
        request.POST or None,
        institutions=institutions,
        programmes=_programme_choices([i.pk for i in institutions]),
    )
    if request.method == "POST" and form.is_valid():
        try:
            course = services.course_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The course %(code)s was added.") % {"code": course.code})
            return redirect("conversion:course_manage")
    return form_page(
        request,
        form,
        back=COURSES,
        title=gettext_lazy("New course"),
        submit=gettext_lazy("Save"),
        cancel=reverse("conversion:course_manage"),
        intro=_no_institution_intro(institutions),
    )


@login_required
@require_http_methods(["GET", "POST"])
def course_edit(request, pk):
    course = course_for(request.user, pk, write=True)
    initial = {name: getattr(course, name) for name in services.COURSE_FIELDS}
    initial["programmes"] = [p.pk for p in course.programmes.all()]
    form = CourseForm(
        request.POST or None,
        initial=initial,
        programmes=_programme_choices([course.institution_id], course),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.course_update(acting_user=request.user, course=course, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The course was saved."))
            return redirect("conversion:course_manage")
    return form_page(
        request,
        form,
        back=COURSES,
        title=_("Edit the course %(name)s") % {"name": f"{course.code} {course.name}"},
        submit=gettext_lazy("Save"),
        cancel=reverse("conversion:course_manage"),
        intro=_("%(institution)s. Untick “Offered” to withdraw the course.")
        % {"institution": course.institution.name},
    )


# --- Bulk entry -------------------------------------------------------------------------------


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def course_import(request):
    """Upload a course list; the result page lists every problem (nothing written) or how many
    courses were created and updated."""
    institutions = list(writer_institutions(request.user).order_by("name"))
    form = CourseImportForm(request.POST or None, request.FILES or None, institutions=institutions)
    result = problems = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = importing.course_import(
                acting_user=request.user,
                institution=form.cleaned_data["institution"],
                file_name=upload.name,
                content=upload.read(),
            )
        except importing.ImportRefused as exc:
            problems = exc.problems
            refuse(form, exc)
        except ServiceError as exc:
            refuse(form, exc)
    context = {
        "form": form,
        "result": result,
        "problems": problems,
        "intro": _no_institution_intro(institutions),
        "columns": importing.COLUMNS,
        "max_rows": importing.MAX_ROWS,
    }
    return render(request, "conversion/manage/course_import.html", context)


@role_required(*WRITERS)
@require_GET
def course_import_template(request, fmt):
    """The template of the course list: Chinese headings, one example row, the allowed values."""
    if fmt not in TEMPLATE_TYPES:
        raise Http404
    content = importing.template_xlsx() if fmt == "xlsx" else importing.template_csv()
    response = HttpResponse(content, content_type=TEMPLATE_TYPES[fmt])
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=f"课程导入模板.{fmt}"
    )
    return response
