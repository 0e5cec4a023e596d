"""Pages of the help for learners (办事指南) and the contact page; the centre manages them as
it manages announcements."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN
from creditbank.errors import ServiceError
from creditbank.pages import form_page, paginate, refuse

from .. import services
from ..access import help_page_for, help_pages_for, is_centre_admin
from ..forms import ConfirmForm, HelpPageForm
from ..models import HelpPage
from ..selectors import contact_branches, help_page_text, published_help_pages

CONTACT_SLUG = "contact"


@require_GET
def help_list(request):
    """The public list of help pages, in the centre's order."""
    context = {"page": paginate(request, published_help_pages(), per_page=20)}
    return render(request, "branches/help_list.html", context)


ACTION_LABELS = {
    "publish": gettext_lazy("Publish now"),
    "unpublish": gettext_lazy("Unpublish"),
}


def _detail(request, page, *, form=None, status=200):
    admin = is_centre_admin(request.user)
    actions = [
        (ACTION_LABELS[action], reverse(f"branches:help_page_{action}", args=[page.pk]))
        for action in (services.help_page_actions(page) if admin else [])
    ]
    context = {
        "help_page": page,
        "text": help_page_text(page.body),
        "is_centre_admin": admin,
        "actions": actions,
        "editable": admin and services.help_page_is_editable(page),
        "form": form or ConfirmForm(),
        "others": published_help_pages().exclude(pk=page.pk).only("slug", "title"),
    }
    return render(request, "branches/help_detail.html", context, status=status)


@require_GET
def help_detail(request, slug):
    """A published help page for anyone; the centre administrator previews any."""
    return _detail(request, help_page_for(request.user, slug=slug))


@require_GET
def contact(request):
    """How to reach the centre and its branch centres: the centre's own "contact" help page
    when it has published one, the footer's address, hotline and e-mail, and every branch."""
    page = published_help_pages().filter(slug=CONTACT_SLUG).first()
    context = {
        "help_page": page,
        "text": help_page_text(page.body) if page else "",
        "branches": contact_branches(),
    }
    return render(request, "branches/contact.html", context)


@role_required(CENTRE_ADMIN)
def help_page_manage(request):
    context = {"page": paginate(request, help_pages_for(request.user))}
    return render(request, "branches/help_page_manage.html", context)


@role_required(CENTRE_ADMIN)
def help_page_create(request):
    form = HelpPageForm(request.POST or None)
    if form.is_valid():
        try:
            page = services.help_page_create(acting_user=request.user, **form.cleaned_data)
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The draft was saved. It is not public until published."))
            return redirect("branches:help_detail", slug=page.slug)
    return form_page(
        request,
        form,
        title=gettext_lazy("New help page"),
        submit=gettext_lazy("Save the draft"),
        cancel=reverse("branches:help_page_manage"),
    )


@login_required
def help_page_edit(request, pk):
    """Edit a draft or unpublished help page (a published one is refused by the service)."""
    page = help_page_for(request.user, pk=pk, write=True)
    fields = ("title", "slug", "summary", "body", "order")
    form = HelpPageForm(
        request.POST or None, initial={name: getattr(page, name) for name in fields}
    )
    if form.is_valid():
        try:
            page = services.help_page_update(
                acting_user=request.user, page=page, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The help page was saved."))
            return redirect("branches:help_detail", slug=page.slug)
    intro = ""
    if page.status == HelpPage.Status.PUBLISHED:
        intro = _("This help page is published. Unpublish it before changing it.")
    return form_page(
        request,
        form,
        title=_("Edit “%(title)s”") % {"title": page.title},
        submit=gettext_lazy("Save"),
        cancel=reverse("branches:help_detail", args=[page.slug]),
        intro=intro,
    )


def _transition(request, pk, service, done):
    page = help_page_for(request.user, pk=pk, write=True)
    form = ConfirmForm(request.POST)
    try:
        service(acting_user=request.user, page=page)
    except ServiceError as exc:
        form.is_valid()
        refuse(form, exc)
        page.refresh_from_db()
        return _detail(request, page, form=form)
    messages.success(request, done)
    return redirect("branches:help_detail", slug=page.slug)


@login_required
@require_POST
def help_page_publish(request, pk):
    return _transition(request, pk, services.help_page_publish, _("The help page is now public."))


@login_required
@require_POST
def help_page_unpublish(request, pk):
    return _transition(
        request,
        pk,
        services.help_page_unpublish,
        _("The help page was taken off the public pages."),
    )
