"""Every named URL, requested by an anonymous visitor, is refused unless it is meant to be public.

A URL that takes arguments needs a sample below; a new one without a sample fails this test, so
nobody can add a page without deciding who may see it.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

# Pages anyone may open, and the statuses they may answer with.
PUBLIC = {
    "home": {200},
    "healthz": {200, 503},
    "branches:service_points": {200},
    "branches:announcement_list": {200},
    "branches:membership_directory": {200},
    "branches:help_list": {200},
    "branches:help_detail": {200, 404},  # the seeded "deposit" page; a draft is 404
    "branches:contact": {200},
    "search": {200},
    "achievements:standard_guide": {200},
    "achievements:level_list": {200},
    "achievements:level_detail": {200, 404},  # the seeded levels; 404 for a number that is not one
    "achievements:category_list": {200},
    "achievements:standard_list": {200},
    "achievements:standard_detail": {200, 404},  # approved or retired only
    "conversion:lookup": {200},
    "conversion:course_catalogue": {200},
    "conversion:course_public": {200, 404},  # public courses of approved institutions only
    "conversion:programme_public": {200, 404},  # open programmes of approved institutions only
    "conversion:rule_public": {200, 404},  # published or retired versions only
    "conversion:certificate_list": {200},
    "conversion:subject_list": {200},
    "conversion:simulate_public": {200},
    # Proof (证明): verification by code, share link or consent code, and what verifiers of the
    # credentials fetch. A code or token that is no document's: the page says so, or 404.
    "verify:verify_form": {200},
    "verify:document": {200, 404},
    "verify:pdf": {200, 404},
    "verify:credential": {200, 404},
    "verify:share": {200, 404},
    "verify:inquiry": {200},
    "did_document": {200},
    "achievements:status_list": {200, 404},  # only lists that hold a document exist
    "set_language": {302},  # a GET only goes back
    "account_login": {200},
    "account_signup": {200},
    "account_logout": {302},
    "account_reset_password": {200},
    "account_reset_password_done": {200},
    "account_reset_password_from_key": {200},  # shows "bad token" for a wrong key
    "account_reset_password_from_key_done": {200},
    "account_confirm_email": {200, 404},
    "account_email_verification_sent": {200},
    "account_inactive": {200},
    "account_confirm_login_code": {302},
    "mfa_authenticate": {302},
    "admin:logout": {302},  # log-out is POST only; a GET goes back to the (guarded) index
    # The institutions' API describes itself to anyone (its endpoints need a token).
    "api-v1:openapi-json": {200},
    "api-v1:openapi-view": {200},
}
# The institutions' API answers a request without a token 401 (tests/api/test_auth.py), and a
# GET of its POST-only endpoint 405.
API_PREFIX = "api-v1:"
API_REFUSALS = {401, 405}

SAMPLES = {
    "conversion:programme_edit": {"pk": "1"},
    "conversion:caps_edit": {"pk": "1"},
    "conversion:course_edit": {"pk": "1"},
    "conversion:course_import_template": {"fmt": "csv"},
    "conversion:application_queue": {"queue": "accept"},
    **{
        f"conversion:{name}": {"pk": "1"}
        for name in (
            "my_application",
            "application_withdraw",
            "application_appeal",
            "application_review",
            "application_accept",
            "application_decline",
            "application_take",
            "line_decide",
            "line_confirm",
            "line_send_back",
        )
    },
    "conversion:certificate_edit": {"pk": "1"},
    "conversion:subject_edit": {"pk": "1"},
    "account_confirm_email": {"key": "not-a-real-key"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "set-password"},
    "admin:view_on_site": {"content_type_id": "1", "object_id": "1"},
    "admin:app_list": {"app_label": "accounts"},
    "branches:announcement_detail": {"pk": "1"},
    "branches:announcement_edit": {"pk": "1"},
    "branches:announcement_publish": {"pk": "1"},
    "branches:announcement_unpublish": {"pk": "1"},
    "branches:help_detail": {"slug": "deposit"},
    "branches:help_page_edit": {"pk": "1"},
    "branches:help_page_publish": {"pk": "1"},
    "branches:help_page_unpublish": {"pk": "1"},
    "branches:membership_detail": {"pk": "1"},
    "branches:membership_edit": {"pk": "1"},
    "branches:membership_suspend": {"pk": "1"},
    "branches:membership_reinstate": {"pk": "1"},
    "branches:membership_end": {"pk": "1"},
    "branches:network_branch_detail": {"pk": "1"},
    "branches:network_branch_edit": {"pk": "1"},
    "branches:network_service_point_edit": {"pk": "1"},
    "branches:network_staff_remove": {"pk": "1"},
    "accounts:institution_detail": {"pk": "1"},
    "accounts:institution_decide": {"pk": "1"},
    "accounts:institution_invite": {"pk": "1"},
    "accounts:institution_invitation_cancel": {"pk": "1", "invitation_pk": "1"},
    "accounts:institution_staff_remove": {"pk": "1", "staff_pk": "1"},
    "accounts:institution_invitation": {"token": "not-a-real-token"},
    "branches:desk_account": {"pk": "1"},
    "branches:desk_account_verify": {"pk": "1"},
    "branches:desk_account_reveal": {"pk": "1"},
    "branches:desk_account_id_image": {"pk": "1"},
    "branches:desk_account_id_preview": {"pk": "1"},
    "branches:desk_account_return": {"pk": "1"},
    "branches:desk_account_freeze": {"pk": "1"},
    "branches:desk_account_unfreeze": {"pk": "1"},
    "branches:desk_account_close": {"pk": "1"},
    "accounts:role_grant_revoke": {"pk": "1"},
    "accounts:my_notice_open": {"pk": "1"},
    "achievements:level_detail": {"pk": "1"},
    "achievements:level_edit": {"pk": "1"},
    "achievements:category_edit": {"pk": "1"},
    "achievements:standard_detail": {"pk": "1"},
    "achievements:standard_manage_detail": {"pk": "1"},
    "achievements:standard_edit": {"pk": "1"},
    "achievements:standard_submit": {"pk": "1"},
    "achievements:standard_new_version": {"pk": "1"},
    "achievements:standard_decide": {"pk": "1"},
    "achievements:standard_retire": {"pk": "1"},
    "achievements:achievement_detail": {"pk": "1"},
    "achievements:achievement_edit": {"pk": "1"},
    "achievements:achievement_delete": {"pk": "1"},
    "achievements:evidence_add": {"pk": "1"},
    "achievements:evidence_remove": {"pk": "1"},
    "achievements:evidence_download": {"pk": "1"},
    "achievements:achievement_submit": {"pk": "1"},
    "achievements:achievement_resubmit": {"pk": "1"},
    "achievements:achievement_appeal": {"pk": "1"},
    "achievements:review_detail": {"pk": "1"},
    "achievements:review_standards": {"pk": "1"},
    "conversion:course_public": {"pk": "1"},
    "conversion:programme_public": {"pk": "1"},
    "conversion:rule_public": {"pk": "1"},
    "conversion:rule_edit": {"pk": "1"},
    "conversion:rule_manage_detail": {"pk": "1"},
    "conversion:rule_new_version": {"pk": "1"},
    **{
        f"conversion:rule_{step}": {"pk": "1"}
        for step in (
            "submit",
            "withdraw",
            "panel_assign",
            "opinion",
            "return",
            "approve",
            "publish",
            "retire",
        )
    },
    **{
        f"achievements:{name}": {"pk": "1"}
        for name in (
            "document_detail",
            "document_progress",
            "document_download",
            "document_credential",
            "document_extend",
            "document_withdraw",
            "document_retry",
            "share_create",
            "share_end",
            "consent_cancel",
            "document_manage_detail",
            "document_revoke",
            "document_suspend",
            "document_reinstate",
        )
    },
    "achievements:status_list": {"number": "0", "purpose": "revocation"},
    **{
        f"achievements:{name}": {"pk": "1"}
        for name in ("batch_detail", "batch_progress", "batch_refused")
    },
    "achievements:mandate_end": {"pk": "1"},
    **{
        f"verify:{name}": {"code": "CB14DEM0TRANSCR1PT00"}
        for name in ("document", "pdf", "credential")
    },
    "verify:share": {"token": "not-a-real-token"},
    "api:token_list": {"pk": "1"},
    "api:token_create": {"pk": "1"},
    "api:token_revoke": {"pk": "1", "token_pk": "1"},
    "api-v1:result_detail": {"reference": "P000001"},
    **{
        f"achievements:review_{action}": {"pk": "1"}
        for action in ("forward", "return", "recognise", "reject", "confirm", "send_back", "revoke")
    },
}


def _sample(name, pattern):
    if name in SAMPLES:
        return SAMPLES[name]
    if name.startswith("admin:") and "<path:object_id>" in pattern:
        return {"object_id": "1"}
    return None


def named_urls():
    def walk(patterns, prefix="", namespace=None):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                ns = entry.namespace
                ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
                yield from walk(entry.url_patterns, prefix + str(entry.pattern), ns)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                yield name, prefix + str(entry.pattern)

    seen = set()
    for name, pattern in walk(get_resolver().url_patterns):
        if name not in seen:
            seen.add(name)
            yield name, pattern


def _takes_arguments(pattern):
    return "<" in pattern or "(?P" in pattern


def test_the_public_list_names_only_real_urls():
    names = {name for name, _pattern in named_urls()}
    assert set(PUBLIC) - names == set()


def test_every_url_with_arguments_has_a_sample():
    missing = [
        name
        for name, pattern in named_urls()
        if _takes_arguments(pattern) and _sample(name, pattern) is None
    ]
    assert missing == [], f"add samples for: {missing}"


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "pattern"), list(named_urls()), ids=lambda v: str(v))
def test_an_anonymous_visitor_is_refused_unless_the_page_is_public(client, name, pattern):
    kwargs = _sample(name, pattern) if _takes_arguments(pattern) else None
    url = reverse(name, kwargs=kwargs)
    response = client.get(url)
    if name in PUBLIC:
        assert response.status_code in PUBLIC[name], (name, response.status_code)
        return
    login = reverse("account_login")
    admin_login = reverse("admin:login")
    if response.status_code == 302:
        assert response.url.startswith((login, admin_login)), (name, response.url)
        if response.url.startswith(admin_login):  # the admin's log-in hands over to allauth
            assert client.get(response.url).url.startswith(login)
    else:
        refusals = {403, 404} | (API_REFUSALS if name.startswith(API_PREFIX) else set())
        assert response.status_code in refusals, (name, response.status_code)
