from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from creditbank.pages import paginate

from ..models import Notice
from ..services.notices import notices_mark_read


@login_required
def my_notices(request):
    """The person's notices, newest first; their own only."""
    page = paginate(request, Notice.objects.filter(user=request.user))
    return render(request, "accounts/my_notices.html", {"page": page})


@login_required
@require_POST
def my_notices_read(request):
    count = notices_mark_read(acting_user=request.user)
    if count:
        messages.success(request, _("All notices are marked as read."))
    return redirect("accounts:my_notices")
