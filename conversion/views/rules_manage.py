"""Pages where an institution's staff draft conversion rules (转换规则): the list of their rules,
the no-script editor (new rule, edit a version) and one version's page, shared with the centre
and the experts on its panel (the review steps are in ``conversion.views.review``)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import F, OuterRef, Subquery
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import role_required
from accounts.roles import CENTRE_ADMIN, INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_ROLES
from creditbank.errors import ServiceError
from creditbank.pages import filter_query, paginate, refusal, refuse, status_for

from .. import access
from ..diff import version_changes
from ..forms.rules import Choices, EditorState, RuleForm, editor_nodes, editor_targets
from ..models import Course, Programme, RuleVersion
from ..services import rules as services
from ..source import atoms_prefetch, source_tree
from ..validity import superseded_versions

READERS = (CENTRE_ADMIN, *INSTITUTION_ROLES)
WRITERS = (INSTITUTION_ADMIN, INSTITUTION_CLERK)
Status = RuleVersion.Status
EDITABLE = (Status.DRAFT, Status.PUBLISHED)


# --- The list ----------------------------------------------------------------------------------


def _latest_versions(user):
    """The latest version of each rule ``user`` may list: every rule for a centre
    administrator, their institutions' for institution staff."""
    latest = RuleVersion.objects.filter(rule=OuterRef("rule")).order_by("-version").values("pk")
    versions = RuleVersion.objects.annotate(latest=Subquery(latest[:1])).filter(pk=F("latest"))
    if not access.is_centre_admin(user):
        versions = versions.filter(rule__institution_id__in=access.staff_institution_ids(user))
    return versions.select_related("rule", "rule__institution", "programme").order_by(
        "-updated_at", "-pk"
    )


@role_required(*READERS)
@require_GET
def rule_manage(request):
    versions = _latest_versions(request.user)
    status = request.GET.get("status", "")
    if status in Status.values:
        versions = versions.filter(status=status)
    context = {
        "page": paginate(request, versions, per_page=25),
        "query": filter_query(request),
        "statuses": Status.choices,
        "status": status,
        "can_create": access.writer_institutions(request.user).exists(),
    }
    return render(request, "conversion/manage/rule_list.html", context)


# --- The editor --------------------------------------------------------------------------------


def _writable_programmes(user):
    return (
        Programme.objects.active()
        .filter(institution__in=access.writer_institutions(user))
        .select_related("institution")
        .order_by("institution__name", "code")
    )


def _target_courses(user):
    return (
        Course.objects.active()
        .filter(institution__in=access.writer_institutions(user))
        .select_related("institution")
        .order_by("institution__name", "code")
    )


def _place_error(form: RuleForm, state: EditorState, exc: ServiceError) -> None:
    """A service's refusal beside the node, the target row or the field it names."""
    field = exc.field or ""
    if field == "source" or field.startswith("source-"):
        state.node_errors[field.removeprefix("source").removeprefix("-")] = exc.message
    elif field.startswith("target-"):
        index = int(field.removeprefix("target-"))
        state.target_errors[state.row_of(index)] = exc.message
    elif field == "targets":
        state.targets_error = exc.message
    else:
        refuse(form, exc)


def _editor(request, *, version=None):
    """The editor of a new rule (``version`` None) or of ``version``: an editing button
    re-renders the form without saving; "save" saves through the service."""
    programmes = _writable_programmes(request.user)
    if version is not None:
        initial = {
            "title": version.rule.title,
            "programme": version.programme_id,
            "valid_from": version.valid_from,
            "valid_until": version.valid_until,
            "notes_zh": version.notes_zh,
            "notes_en": version.notes_en,
        }
        # A programme no longer active stays choosable for the version that names it.
        programmes = programmes | Programme.objects.filter(pk=version.programme_id)
    else:
        initial = {}
    status = 200
    if request.method == "POST":
        state = EditorState.from_post(request.POST)
        if state.apply(request.POST.get("op", "save"), request.POST):
            # An editing button: show what was typed without judging it yet.
            typed = {name: request.POST.get(name, "") for name in RuleForm.base_fields}
            form = RuleForm(initial=typed, programmes=programmes)
        else:
            form = RuleForm(request.POST, programmes=programmes)
            saved = _save(request, form, state, version)
            if saved is not None:
                return saved
            status = 400
    else:
        form = RuleForm(initial=initial, programmes=programmes)
        state = EditorState.of_version(version) if version else EditorState.empty()
    context = {
        "form": form,
        "version": version,
        "tree": editor_nodes(state),
        "targets": editor_targets(state),
        "target_count": len(state.targets),
        "state_json": state.json(),
        "targets_error": state.targets_error,
        "choices": Choices(courses=_target_courses(request.user)),
        "has_errors": bool(form.errors or state.node_errors or state.target_errors)
        or bool(state.targets_error),
    }
    return render(request, "conversion/manage/rule_edit.html", context, status=status)


def _save(request, form, state, version):
    """Save through the service; None (the errors placed) when refused."""
    targets = state.service_targets()
    if not form.is_valid() or state.node_errors:
        return None
    data = form.cleaned_data
    content = {
        "title": data["title"],
        "programme": data["programme"],
        "source": state.tree,
        "targets": targets,
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
        "notes_zh": data["notes_zh"],
        "notes_en": data["notes_en"],
    }
    try:
        if version is None:
            saved = services.rule_create(
                acting_user=request.user,
                institution=data["programme"].institution,
                **content,
            )
        else:
            saved = services.rule_version_update(
                acting_user=request.user, version=version, **content
            )
    except ServiceError as exc:
        _place_error(form, state, exc)
        return None
    if version is not None and saved.pk != version.pk:
        messages.success(
            request,
            _(
                "Version %(version)d was saved as a draft. Version %(current)d stays published "
                "until the new one is published."
            )
            % {"version": saved.version, "current": version.version},
        )
    else:
        messages.success(
            request, _("The draft was saved. Submit it when it is ready for the centre.")
        )
    return redirect("conversion:rule_manage_detail", pk=saved.pk)


@role_required(*WRITERS)
@require_http_methods(["GET", "POST"])
def rule_create(request):
    return _editor(request)


@login_required
@require_http_methods(["GET", "POST"])
def rule_edit(request, pk):
    version = access.rule_version_for(request.user, pk, write=True)
    if version.status not in EDITABLE:
        messages.error(
            request,
            _("A version that is “%(status)s” cannot be edited.")
            % {"status": version.get_status_display()},
        )
        return redirect("conversion:rule_manage_detail", pk=version.pk)
    return _editor(request, version=version)


# --- One version -------------------------------------------------------------------------------


def _detail(request, version, *, refused=None, status=200):
    version = (
        RuleVersion.objects.select_related(
            "rule", "rule__institution", "programme", "previous_version", "created_by"
        )
        .prefetch_related(atoms_prefetch(), "targets__course", "authors")
        .get(pk=version.pk)
    )
    previous = version.previous_version
    if previous is not None:
        previous = (
            RuleVersion.objects.select_related("rule", "programme")
            .prefetch_related(atoms_prefetch(), "targets__course")
            .get(pk=previous.pk)
        )
    actions = access.rule_version_actions(request.user, version)
    superseded = []
    # (Whoever may publish reads it in the review panel, beside the button.)
    open_statuses = (Status.DRAFT, Status.SUBMITTED, Status.IN_REVIEW, Status.APPROVED)
    if version.status in open_statuses and "publish" not in actions:
        superseded = superseded_versions(version)
    context = {
        "version": version,
        "actions": actions,
        "node": source_tree(version),
        "targets": version.targets.all(),
        "changes": version_changes(previous, version),
        "versions": version.rule.versions.order_by("-version"),
        "superseded": superseded,
        "can_edit": version.status in EDITABLE and access.is_rule_writer(request.user, version),
        "refused": refused,
    }
    return render(request, "conversion/manage/rule_detail.html", context, status=status)


@login_required
@require_GET
def rule_manage_detail(request, pk):
    return _detail(request, access.rule_version_for(request.user, pk))


@login_required
@require_POST
def rule_new_version(request, pk):
    version = access.rule_version_for(request.user, pk, write=True)
    try:
        draft = services.rule_new_version(acting_user=request.user, version=version)
    except ServiceError as exc:
        return _detail(request, version, refused=refusal(exc), status=status_for(exc))
    messages.success(
        request,
        _("Version %(version)d was started as a draft. Make the changes and submit it.")
        % {"version": draft.version},
    )
    return redirect("conversion:rule_edit", pk=draft.pk)
