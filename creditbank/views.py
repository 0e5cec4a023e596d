from django.http import HttpResponseBadRequest, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health
from .unavailable import outage_in_progress, unavailable_response


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
    # Rendered without the request: no context processors (no database), and the page is
    # bilingual because this can be answered before the language middleware has run.
    return HttpResponseBadRequest(loader.render_to_string("400.html"))


def error_403(request, exception=None):
    return render(request, "403.html", status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)


def error_500(request):
    # Called while Django handles the exception. Rendered without the request: the context
    # processors would read the database, which may be what failed.
    if outage_in_progress():
        return unavailable_response()
    return HttpResponseServerError(loader.render_to_string("500.html"))
