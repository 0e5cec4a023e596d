"""Pages of the centre's announcements (信息公告) and policy documents (政策文件)."""

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
from creditbank.pages import filter_query, form_page, paginate, refuse

from .. import services
from ..access import announcement_for, announcements_for, is_centre_admin
from ..forms import AnnouncementFilterForm, AnnouncementForm, ConfirmForm
from ..selectors import published_announcements


@require_GET
def announcement_list(request):
    """The public list: published announcements, newest first, 10 a page, by kind."""
    form = AnnouncementFilterForm(request.GET or None)
    announcements = published_announcements()
    if form.is_valid():
        announcements = form.filter(announcements)
    context = {
        "form": form,
        "page": paginate(request, announcements, per_page=10),
        "query": filter_query(request),
    }
    return render(request, "branches/announcement_list.html", context)


ACTION_LABELS = {
    "publish": gettext_lazy("Publish now"),
    "unpublish": gettext_lazy("Unpublish"),
}


def _detail(request, announcement, *, form=None, status=200):
    admin = is_centre_admin(request.user)
    actions = [
        (ACTION_LABELS[action], reverse(f"branches:announcement_{action}", args=[announcement.pk]))
        for action in (services.announcement_actions(announcement) if admin else [])
    ]
    context = {
        "announcement": announcement,
        "is_centre_admin": admin,
        "actions": actions,
        "editable": admin and services.announcement_is_editable(announcement),
        "form": form or ConfirmForm(),
    }
    return render(request, "branches/announcement_detail.html", context, status=status)


@require_GET
def announcement_detail(request, pk):
    """A published announcement for anyone; the centre administrator previews any."""
    return _detail(request, announcement_for(request.user, pk))


@role_required(CENTRE_ADMIN)
def announcement_manage(request):
    form = AnnouncementFilterForm(request.GET or None)
    announcements = announcements_for(request.user)
    if form.is_valid():
        announcements = form.filter(announcements)
    context = {
        "form": form,
        "page": paginate(request, announcements),
        "query": filter_query(request),
    }
    return render(request, "branches/announcement_manage.html", context)


@role_required(CENTRE_ADMIN)
def announcement_create(request):
    form = AnnouncementForm(request.POST or None)
    if form.is_valid():
        try:
            announcement = services.announcement_create(
                acting_user=request.user, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The draft was saved. It is not public until published."))
            return redirect("branches:announcement_detail", pk=announcement.pk)
    return form_page(
        request,
        form,
        title=gettext_lazy("New announcement"),
        submit=gettext_lazy("Save the draft"),
        cancel=reverse("branches:announcement_manage"),
    )


@login_required
def announcement_edit(request, pk):
    """Edit a draft or unpublished announcement (a published one is refused by the service)."""
    announcement = announcement_for(request.user, pk, write=True)
    initial = {"kind": announcement.kind, "title": announcement.title, "body": announcement.body}
    form = AnnouncementForm(request.POST or None, initial=initial)
    if form.is_valid():
        try:
            services.announcement_update(
                acting_user=request.user, announcement=announcement, **form.cleaned_data
            )
        except ServiceError as exc:
            refuse(form, exc)
        else:
            messages.success(request, _("The announcement was saved."))
            return redirect("branches:announcement_detail", pk=announcement.pk)
    intro = ""
    if not services.announcement_is_editable(announcement):
        intro = _("This announcement is published. Unpublish it before changing it.")
    return form_page(
        request,
        form,
        title=_("Edit “%(title)s”") % {"title": announcement.title},
        submit=gettext_lazy("Save"),
        cancel=reverse("branches:announcement_detail", args=[announcement.pk]),
        intro=intro,
    )


def _transition(request, pk, service, done):
    announcement = announcement_for(request.user, pk, write=True)
    form = ConfirmForm(request.POST)
    try:
        service(acting_user=request.user, announcement=announcement)
    except ServiceError as exc:
        form.is_valid()
        refuse(form, exc)
        announcement.refresh_from_db()
        return _detail(request, announcement, form=form)
    messages.success(request, done)
    return redirect("branches:announcement_detail", pk=announcement.pk)


@login_required
@require_POST
def announcement_publish(request, pk):
    return _transition(
        request, pk, services.announcement_publish, _("The announcement is now public.")
    )


@login_required
@require_POST
def announcement_unpublish(request, pk):
    return _transition(
        request,
        pk,
        services.announcement_unpublish,
        _("The announcement was taken off the public pages."),
    )
