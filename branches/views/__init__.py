from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..forms import ServicePointSearchForm
from ..models import ServicePoint


@require_GET
def service_points(request):
    """The public service-point finder: filter by district, search by name or address."""
    form = ServicePointSearchForm(request.GET or None)
    points = ServicePoint.objects.filter(is_open=True).select_related(
        "district", "branch", "host_institution"
    )
    if form.is_valid():
        points = form.filter(points)
    page = Paginator(points, 20).get_page(request.GET.get("page"))
    return render(request, "branches/service_points.html", {"form": form, "page": page})
