"""The reference lists a rule's source names: certificates and self-study exam subjects.
Public lists; the centre's administrators add and correct entries."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, form_page, paginate, refuse

from ..access import certificate_for, is_centre_admin, self_study_subject_for
from ..forms.reference import CertificateForm, ReferenceSearchForm, SelfStudySubjectForm
from ..models import Certificate, SelfStudySubject
from ..services import reference as services


def _listing(request, items, *, fields, template):
    form = ReferenceSearchForm(request.GET or None)
    centre = is_centre_admin(request.user)
    if not centre:
        items = items.filter(is_active=True)
    if form.is_valid() and form.cleaned_data["q"]:
        query = form.cleaned_data["q"]
        condition = Q()
        for field in fields:
            condition |= Q(**{f"{field}__icontains": query})
        items = items.filter(condition)
    context = {
        "form": form,
        "page": paginate(request, items, per_page=25),
        "query": filter_query(request),
        "is_centre_admin": centre,
    }
    return render(request, template, context)


@require_GET
def certificate_list(request):
    """The certificates rules may name: anyone may read the list (only those in use, unless a
    centre administrator reads it)."""
    return _listing(
        request,
        Certificate.objects.select_related("category"),
        fields=("name", "issuer"),
        template="conversion/reference/certificate_list.html",
    )


@require_GET
def subject_list(request):
    """The self-study exam subjects rules may name."""
    return _listing(
        request,
        SelfStudySubject.objects.all(),
        fields=("code", "name"),
        template="conversion/reference/subject_list.html",
    )


def _save(request, form, call, *, done: str, back: str, title, submit):
    if request.method == "POST" and form.is_valid():
        try:
            call(form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, done)
            return redirect(back)
    return form_page(request, form, title=title, submit=submit, cancel=back)


@role_required(CENTRE_ADMIN)
@require_http_methods(["GET", "POST"])
def certificate_create(request):
    form = CertificateForm(request.POST or None)
    return _save(
        request,
        form,
        lambda data: services.certificate_create(acting_user=request.user, **data),
        done=_("The certificate was added."),
        back=reverse("conversion:certificate_list"),
        title=_("Add a certificate"),
        submit=gettext_lazy("Add"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def certificate_edit(request, pk):
    certificate = certificate_for(request.user, pk, write=True)
    fields = ("name", "grade", "issuer", "category", "is_active")
    form = CertificateForm(
        request.POST or None, initial={name: getattr(certificate, name) for name in fields}
    )
    return _save(
        request,
        form,
        lambda data: services.certificate_update(
            acting_user=request.user, certificate=certificate, **data
        ),
        done=_("The certificate was saved."),
        back=reverse("conversion:certificate_list"),
        title=_("Edit the certificate “%(name)s”") % {"name": certificate},
        submit=gettext_lazy("Save"),
    )


@role_required(CENTRE_ADMIN)
@require_http_methods(["GET", "POST"])
def subject_create(request):
    form = SelfStudySubjectForm(request.POST or None)
    return _save(
        request,
        form,
        lambda data: services.self_study_subject_create(acting_user=request.user, **data),
        done=_("The subject was added."),
        back=reverse("conversion:subject_list"),
        title=_("Add a self-study exam subject"),
        submit=gettext_lazy("Add"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def subject_edit(request, pk):
    subject = self_study_subject_for(request.user, pk, write=True)
    fields = ("code", "name", "credits", "is_active")
    form = SelfStudySubjectForm(
        request.POST or None,
        initial={name: getattr(subject, name) for name in fields},
        code_fixed=True,
    )

    def update(data):
        data.pop("code", None)
        return services.self_study_subject_update(acting_user=request.user, subject=subject, **data)

    return _save(
        request,
        form,
        update,
        done=_("The subject was saved."),
        back=reverse("conversion:subject_list"),
        title=_("Edit the subject %(code)s") % {"code": subject.code},
        submit=gettext_lazy("Save"),
    )
