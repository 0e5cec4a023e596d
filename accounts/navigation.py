"""The navigation: each entry names the roles that see it (None: every signed-in person)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from .roles import (
    AUDIT_ADMIN,
    BRANCH_MANAGER,
    BRANCH_STAFF,
    CENTRE_ADMIN,
    EXPERT,
    INSTITUTION_ADMIN,
    INSTITUTION_CLERK,
    INSTITUTION_REVIEWER,
    LEARNER,
    QUALITY_AUDITOR,
    SECURITY_ADMIN,
    SYSTEM_ADMIN,
    roles_of,
)


@dataclass(frozen=True)
class NavItem:
    url_name: str
    label: str | Promise
    roles: frozenset[str] | None = None
    args: tuple = ()  # of the URL, e.g. a queue's name


SIGNED_IN_ITEMS = [
    NavItem("accounts:desk", _("My desk")),
    NavItem("accounts:my_account", _("My learning account"), frozenset({LEARNER})),
    NavItem("achievements:archive", _("My learning archive"), frozenset({LEARNER})),
    NavItem("achievements:document_list", _("Transcripts and proofs"), frozenset({LEARNER})),
    NavItem("conversion:my_simulate", _("My what-if conversion"), frozenset({LEARNER})),
    NavItem("conversion:my_applications", _("Conversion applications"), frozenset({LEARNER})),
    NavItem(
        "achievements:achievement_clerk_deposit",
        _("Deposit for a learner"),
        frozenset({INSTITUTION_CLERK}),
    ),
    NavItem(
        "achievements:batch_list",
        _("Batch recognition"),
        frozenset({INSTITUTION_CLERK, INSTITUTION_ADMIN, CENTRE_ADMIN, QUALITY_AUDITOR}),
    ),
    NavItem(
        "branches:desk_accounts", _("Learning accounts"), frozenset({BRANCH_STAFF, BRANCH_MANAGER})
    ),
    NavItem(
        "achievements:review_check_queue",
        _("First check"),
        frozenset({BRANCH_STAFF, BRANCH_MANAGER, INSTITUTION_CLERK}),
    ),
    NavItem(
        "achievements:review_decide_queue",
        _("Recognition decisions"),
        frozenset({INSTITUTION_REVIEWER, EXPERT}),
    ),
    NavItem("achievements:review_confirm_queue", _("Centre re-review"), frozenset({CENTRE_ADMIN})),
    NavItem("achievements:review_appeals_queue", _("Appeals"), frozenset({EXPERT})),
    NavItem("accounts:audit_log", _("Audit log"), frozenset({AUDIT_ADMIN})),
    NavItem("accounts:role_grants", _("Roles and powers"), frozenset({SECURITY_ADMIN})),
    NavItem("accounts:institution_list", _("Institution applications"), frozenset({CENTRE_ADMIN})),
    NavItem(
        "branches:network_index",
        _("Service network"),
        frozenset({CENTRE_ADMIN, BRANCH_MANAGER, BRANCH_STAFF}),
    ),
    NavItem("branches:announcement_manage", _("Manage announcements"), frozenset({CENTRE_ADMIN})),
    NavItem(
        "achievements:document_manage_list",
        _("Manage transcripts and proofs"),
        frozenset({CENTRE_ADMIN, QUALITY_AUDITOR}),
    ),
    NavItem(
        "achievements:standard_manage",
        _("Manage unit standards"),
        frozenset({CENTRE_ADMIN, INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_REVIEWER}),
    ),
    NavItem(
        "achievements:mandate_list", _("Direct recognition mandates"), frozenset({CENTRE_ADMIN})
    ),
    NavItem(
        "conversion:course_manage",
        _("Programmes and courses"),
        frozenset({INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_REVIEWER}),
    ),
    NavItem(
        "conversion:rule_manage",
        _("Conversion rules"),
        frozenset({CENTRE_ADMIN, INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_REVIEWER}),
    ),
    NavItem("conversion:review_queue", _("Rule reviews"), frozenset({CENTRE_ADMIN, EXPERT})),
    NavItem(
        "conversion:application_queue",
        _("Conversion applications to accept"),
        frozenset({BRANCH_STAFF, BRANCH_MANAGER, INSTITUTION_CLERK}),
        args=("accept",),
    ),
    NavItem(
        "conversion:application_queue",
        _("Conversion decisions"),
        frozenset({INSTITUTION_REVIEWER}),
        args=("decide",),
    ),
    NavItem(
        "conversion:application_queue",
        _("Conversion re-reviews"),
        frozenset({CENTRE_ADMIN}),
        args=("confirm",),
    ),
    NavItem(
        "accounts:institution_mine",
        _("My institutions"),
        frozenset({LEARNER, INSTITUTION_ADMIN, INSTITUTION_CLERK, INSTITUTION_REVIEWER}),
    ),
    NavItem("admin:index", _("System administration"), frozenset({SYSTEM_ADMIN})),
    NavItem("account_email", _("Account settings")),
]

PUBLIC_ITEMS = [
    NavItem("home", _("Home")),
    NavItem("branches:service_points", _("Service points")),
    NavItem("branches:announcement_list", _("Announcements")),
    NavItem("branches:membership_directory", _("Member directory")),
    NavItem("achievements:standard_guide", _("Standards")),
    NavItem("conversion:lookup", _("Credit conversion")),
    NavItem("conversion:simulate_public", _("What-if conversion")),
    NavItem("conversion:course_catalogue", _("Course catalogue")),
    NavItem("verify:verify_form", _("Verify a document")),
]


def items_for(user) -> list[dict]:
    roles = roles_of(user)
    items = list(PUBLIC_ITEMS)
    if user.is_authenticated:
        items += [i for i in SIGNED_IN_ITEMS if i.roles is None or i.roles & roles]
    return [
        {"url": reverse(i.url_name, args=i.args), "label": i.label, "name": i.url_name}
        for i in items
    ]
