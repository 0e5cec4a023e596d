from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health
from .unavailable import error_page, outage_in_progress, unavailable_response


@require_GET
def home(request):
    return render(request, "creditbank/home.html")


@never_cache
@require_GET
def healthz(request):
    checks = health()
    ok = all(state == "ok" for state in checks.values())
    return JsonResponse({"status": "ok" if ok else "fail", **checks}, status=200 if ok else 503)


def error_400(request, exception=None):
    # Without the request's context (error_page): this can be answered before the session and
    # language middlewares have run (creditbank.inputguard).
    return error_page("400.html", request, 400)


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Called while Django handles the exception. Without the request's context (error_page):
    # the context processors would read the database, which may be what failed.
    if outage_in_progress():
        return unavailable_response(request)
    return error_page("500.html", request, 500)


def csrf_failure(request, reason=""):
    """``CSRF_FAILURE_VIEW``: a form sent without its security token (a page left open past
    the session, cookies refused) gets the portal's page in the visitor's language instead of
    Django's; the reason is for the log, which Django has written already."""
    return render(request, "403_csrf.html", status=403)
