from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from creditbank.pages import paginate

from ..access import notice_for
from ..models import Notice
from ..services.notices import notice_open, notices_mark_read


@login_required
def my_notices(request):
    """The person's notices, newest first; their own only."""
    page = paginate(request, Notice.objects.filter(user=request.user))
    return render(request, "accounts/my_notices.html", {"page": page})


@login_required
@require_GET
def my_notice_open(request, pk):
    """Open one of my notices: it is marked read and the page it is about opens (a notice
    without a page of its own goes back to the list)."""
    notice = notice_open(acting_user=request.user, notice=notice_for(request.user, pk))
    # Links are paths the services wrote; anything else (another host) is not followed.
    if notice.link and url_has_allowed_host_and_scheme(notice.link, allowed_hosts=None):
        return redirect(notice.link)
    return redirect("accounts:my_notices")


@login_required
@require_POST
def my_notices_read(request):
    count = notices_mark_read(acting_user=request.user)
    if count:
        messages.success(request, _("All notices are marked as read."))
    return redirect("accounts:my_notices")
