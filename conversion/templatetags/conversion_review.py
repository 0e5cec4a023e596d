"""The review panel of a rule version's page (``conversion/manage/_review_panel.html``): what
the including page does not give it — the panel and its opinions, the history of the steps, and
the forms of the steps open to the person (``access.rule_version_actions``)."""

from django import template

from creditbank.audit_labels import action_label
from creditbank.models import AuditEvent

from ..access import is_centre_admin, is_expert, on_panel, panel_of
from ..forms.review import ApproveForm, ConfirmForm, OpinionForm, PanelForm, ReasonForm
from ..models import RuleOpinion, RuleVersion
from ..validity import superseded_versions

register = template.Library()

# Until the decision, opinions are for the panel and the centre; the institution reads them after.
UNDECIDED = (RuleVersion.Status.SUBMITTED, RuleVersion.Status.IN_REVIEW)


def _history(version) -> list[dict]:
    """The version's lifecycle steps from the audit log, oldest first: when, who, what, and
    the reason (a return, a retirement) or note (an approval over a disagreement)."""
    events = (
        AuditEvent.objects.filter(
            object_type="conversion.ruleversion",
            object_id=str(version.pk),
            action__startswith="conversion_rule.",
        )
        .select_related("actor")
        .order_by("pk")
    )
    rows = []
    for event in events:
        after = (event.summary or {}).get("after") or {}
        said = after.get("reason", "")
        if event.action == "conversion_rule.approve":
            said = (event.summary or {}).get("note", "")
        rows.append(
            {
                "at": event.created_at,
                "who": event.actor.get_username() if event.actor else event.actor_label,
                "what": action_label(event.action),
                "said": said,
            }
        )
    return rows


@register.simple_tag
def review_panel_context(version, actions, user) -> dict:
    """Everything the review panel shows ``user`` about ``version``."""
    staff_view = not (is_centre_admin(user) or is_expert(user))
    show_opinions = not (staff_view and version.status in UNDECIDED)
    # Who is on the panel is for the centre and the experts; the institution reads the
    # opinions, with their authors, after the decision.
    panel = list(panel_of(version)) if version.status in UNDECIDED and not staff_view else []
    opinions = []
    if show_opinions:
        opinions = list(
            RuleOpinion.objects.filter(version=version)
            .select_related("reviewer")
            .order_by("-round", "given_at")
        )
    answered = {o.reviewer_id for o in opinions if o.round == version.review_round}
    forms = {}
    if "submit" in actions:
        forms["submit"] = ConfirmForm()
    if "withdraw" in actions:
        forms["withdraw"] = ConfirmForm()
    if "panel_assign" in actions:
        forms["panel_assign"] = PanelForm(prefix="panel", version=version)
    if "opinion" in actions:
        forms["opinion"] = OpinionForm(prefix="opinion")
    if "return" in actions:
        forms["return"] = ReasonForm(prefix="return")
    if "approve" in actions:
        forms["approve"] = ApproveForm(prefix="approve")
    if "publish" in actions:
        forms["publish"] = ConfirmForm()
    if "retire" in actions:
        forms["retire"] = ReasonForm(prefix="retire")
    return {
        "panel": [{"person": e, "answered": e.pk in answered} for e in panel],
        "opinions": opinions,
        "opinions_hidden": not show_opinions,
        "history": _history(version),
        "forms": forms,
        "superseded": superseded_versions(version) if "publish" in forms else [],
        "waiting_for_opinions": (
            is_centre_admin(user)
            and version.status == RuleVersion.Status.IN_REVIEW
            and "approve" not in actions
            and sum(1 for row in panel if row.pk not in answered)
        ),
        "on_panel": on_panel(user, version),
    }
