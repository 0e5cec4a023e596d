"""The public pages of conversion (转换), for anyone, signed in or not, with or without script:
the lookup (/conversion/), the course catalogue (课程超市), a course, a programme, a published
rule version. Every result set is named by its GET parameters (a URL to share); with htmx the
forms narrow the results as one types, and the view answers with the results' partial."""

from django.db.models import prefetch_related_objects
from django.shortcuts import render
from django.views.decorators.http import require_GET

from creditbank.pages import filter_query, paginate

from .. import selectors
from ..access import public_course, public_programme, public_rule_version
from ..diff import version_changes
from ..forms.public import CatalogueForm, LookupForm, ReverseForm
from ..source import atoms_prefetch

PER_PAGE = 20


def _partial(request, target: str) -> bool:
    """True when htmx asks for the results region ``target`` only."""
    return bool(request.htmx) and request.htmx.target == target


@require_GET
def lookup(request):
    """ "From → to": what the visitor holds → every target that accepts it; and the reverse
    lookup's choices (courses and programmes, each page showing what converts into it)."""
    held_params = {name: request.GET[name] for name in ("kind", "q", "item") if name in request.GET}
    form = LookupForm(held_params or None)
    reverse_form = ReverseForm({"to": request.GET["to"]} if "to" in request.GET else None)
    context = {"form": form, "reverse_form": reverse_form, "page": None, "holding": None}
    if form.is_bound and form.is_valid():
        context["holding"] = form.cleaned_data["holding"]
        context["options"] = form.cleaned_data["options"]
        if context["holding"] is not None:
            page = paginate(
                request, selectors.accepting_targets(context["holding"]), per_page=PER_PAGE
            )
            page.object_list = selectors.target_facts(page.object_list, holding=context["holding"])
            context["page"] = page
            context["query"] = filter_query(request)
    if reverse_form.is_bound and reverse_form.is_valid() and reverse_form.cleaned_data["to"]:
        courses, programmes = selectors.targets_matching(reverse_form.cleaned_data["to"])
        context.update(reverse_courses=courses, reverse_programmes=programmes, reverse_asked=True)
    if _partial(request, "reverse-results"):
        return render(request, "conversion/public/_reverse_results.html", context)
    if _partial(request, "lookup-results"):
        return render(request, "conversion/public/_lookup_results.html", context)
    return render(request, "conversion/public/lookup.html", context)


@require_GET
def course_catalogue(request):
    """The course catalogue (课程超市): public courses, searched and filtered, 20 a page."""
    form = CatalogueForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # an invalid value is told beside its field; the others still filter
    page = paginate(request, form.filter(selectors.catalogue_courses()), per_page=PER_PAGE)
    context = {"form": form, "page": page, "query": filter_query(request)}
    if _partial(request, "course-results"):
        return render(request, "conversion/public/_course_results.html", context)
    return render(request, "conversion/public/course_catalogue.html", context)


def _converting(request, **target):
    page = paginate(request, selectors.converting_versions(**target), per_page=PER_PAGE)
    page.object_list = selectors.version_marks(page.object_list)
    selectors.source_trees(page.object_list)
    return page


@require_GET
def course_public(request, pk):
    """A course of the catalogue and everything that converts into it."""
    course = public_course(pk)
    context = {
        "course": course,
        "programmes": list(selectors.public_programmes().filter(courses=course)),
        "page": _converting(request, course=course),
        "query": filter_query(request),
    }
    return render(request, "conversion/public/course_public.html", context)


@require_GET
def programme_public(request, pk):
    """A programme, its public courses and everything that converts into them."""
    programme = public_programme(pk)
    context = {
        "programme": programme,
        "courses": list(programme.courses.public().order_by("code", "pk")),
        "page": _converting(request, programme=programme),
        "query": filter_query(request),
    }
    return render(request, "conversion/public/programme_public.html", context)


@require_GET
def rule_public(request, pk):
    """A published or retired rule version: what it converts from and into, its validity, what
    changed from the previous version and its other versions."""
    version = public_rule_version(pk)
    previous = version.previous_version
    compared = [version] if previous is None else [version, previous]
    prefetch_related_objects(compared, atoms_prefetch(), "targets__course")
    selectors.source_trees([version])
    (version,) = selectors.version_marks([version])
    context = {
        "version": version,
        "targets": version.targets.all(),
        "versions": selectors.rule_versions_public(version),
        "previous": previous,
        "changes": version_changes(previous, version),
    }
    return render(request, "conversion/public/rule_public.html", context)
