from django.urls import path

from .views import batch as views_batch
from .views import credentials as views_credentials
from .views import deposits as views_deposits
from .views import mandates as views_mandates
from .views import proof as views_proof
from .views import proof_manage as views_proof_manage
from .views import review as views_review
from .views import standards as views

app_name = "achievements"

urlpatterns = [
    # The public standards guidance (标准指南).
    path("standards/", views.standard_guide, name="standard_guide"),
    path("standards/levels/", views.level_list, name="level_list"),
    path("standards/levels/<int:pk>/", views.level_detail, name="level_detail"),
    path("standards/categories/", views.category_list, name="category_list"),
    path("standards/units/", views.standard_list, name="standard_list"),
    path("standards/units/<int:pk>/", views.standard_detail, name="standard_detail"),
    # Management: issuers draft and submit, the centre decides.
    path("standards/manage/", views.standard_manage, name="standard_manage"),
    path("standards/manage/new/", views.standard_create, name="standard_create"),
    path("standards/manage/<int:pk>/", views.standard_manage_detail, name="standard_manage_detail"),
    path("standards/manage/<int:pk>/edit/", views.standard_edit, name="standard_edit"),
    path("standards/manage/<int:pk>/submit/", views.standard_submit, name="standard_submit"),
    path(
        "standards/manage/<int:pk>/new-version/",
        views.standard_new_version,
        name="standard_new_version",
    ),
    path("standards/manage/<int:pk>/decide/", views.standard_decide, name="standard_decide"),
    path("standards/manage/<int:pk>/retire/", views.standard_retire, name="standard_retire"),
    path("standards/manage/levels/<int:pk>/edit/", views.level_edit, name="level_edit"),
    path("standards/manage/categories/<int:pk>/edit/", views.category_edit, name="category_edit"),
    # The centre's direct recognition mandates (直接认定授权) for member institutions' batches.
    path("standards/manage/mandates/", views_mandates.mandate_list, name="mandate_list"),
    path("standards/manage/mandates/new/", views_mandates.mandate_grant_view, name="mandate_grant"),
    path(
        "standards/manage/mandates/<int:pk>/end/",
        views_mandates.mandate_end_view,
        name="mandate_end",
    ),
    # The Bitstring Status Lists of the documents' verifiable credentials (public, signed).
    path(
        "credentials/status/<int:number>/<str:purpose>/",
        views_credentials.status_list,
        name="status_list",
    ),
    # Deposits (存储): the learner's achievements and evidence, and clerks' deposits.
    path("my/archive/", views_deposits.archive, name="archive"),
    path("my/achievements/new/", views_deposits.achievement_deposit, name="achievement_deposit"),
    path("my/achievements/<int:pk>/", views_deposits.achievement_detail, name="achievement_detail"),
    path(
        "my/achievements/<int:pk>/edit/", views_deposits.achievement_edit, name="achievement_edit"
    ),
    path(
        "my/achievements/<int:pk>/delete/",
        views_deposits.achievement_delete,
        name="achievement_delete",
    ),
    path("my/achievements/<int:pk>/evidence/", views_deposits.evidence_add, name="evidence_add"),
    # The learner's steps in recognition: apply, answer a return, appeal a rejection.
    *(
        path(
            f"my/achievements/<int:pk>/{slug}/",
            views_deposits.achievement_step,
            {"action": action},
            name=f"achievement_{action}",
        )
        for action, slug in (("submit", "apply"), ("resubmit", "answer"), ("appeal", "appeal"))
    ),
    path(
        "my/achievements/evidence/<int:pk>/remove/",
        views_deposits.evidence_remove,
        name="evidence_remove",
    ),
    path(
        "my/achievements/evidence/<int:pk>/download/",
        views_deposits.evidence_download,
        name="evidence_download",
    ),
    path(
        "institution/deposits/",
        views_deposits.achievement_clerk_list,
        name="achievement_clerk_list",
    ),
    path(
        "institution/deposits/new/",
        views_deposits.achievement_clerk_deposit,
        name="achievement_clerk_deposit",
    ),
    # Batch recognition (批量认定): an institution's clerk sends a file of results and watches it.
    path("institution/batches/", views_batch.batch_list, name="batch_list"),
    path("institution/batches/new/", views_batch.batch_new, name="batch_new"),
    path("institution/batches/template.xlsx", views_batch.batch_template, name="batch_template"),
    path("institution/batches/<int:pk>/", views_batch.batch_detail, name="batch_detail"),
    path(
        "institution/batches/<int:pk>/progress/",
        views_batch.batch_progress,
        name="batch_progress",
    ),
    path(
        "institution/batches/<int:pk>/refused.xlsx",
        views_batch.batch_refused,
        name="batch_refused",
    ),
    # Proof (证明), the learner's pages: transcripts and proofs, share links, consent codes for a
    # learning credit inquiry (issue 14; the public /verify/ pages are in the verify namespace).
    path("my/documents/", views_proof.document_list, name="document_list"),
    path("my/documents/new/", views_proof.document_request, name="document_request"),
    path("my/documents/<int:pk>/", views_proof.document_detail, name="document_detail"),
    path(
        "my/documents/<int:pk>/progress/",
        views_proof.document_progress,
        name="document_progress",
    ),
    path(
        "my/documents/<int:pk>/document.pdf",
        views_proof.document_download,
        name="document_download",
    ),
    path(
        "my/documents/<int:pk>/credential.json",
        views_proof.document_credential,
        name="document_credential",
    ),
    path("my/documents/<int:pk>/extend/", views_proof.document_extend, name="document_extend"),
    path(
        "my/documents/<int:pk>/withdraw/", views_proof.document_withdraw, name="document_withdraw"
    ),
    path("my/documents/<int:pk>/retry/", views_proof.document_retry, name="document_retry"),
    path("my/documents/<int:pk>/shares/new/", views_proof.share_create, name="share_create"),
    path("my/documents/shares/<int:pk>/end/", views_proof.share_end, name="share_end"),
    path("my/inquiries/", views_proof.consent_list, name="consent_list"),
    path("my/inquiries/new/", views_proof.consent_create, name="consent_create"),
    path("my/inquiries/<int:pk>/cancel/", views_proof.consent_cancel, name="consent_cancel"),
    # Recognition (认定): the staff's queues, the review page and its steps.
    *(
        path(
            f"review/{slug}/",
            views_review.review_queue,
            {"queue": queue},
            name=f"review_{slug}_queue",
        )
        for queue, slug in views_review.QUEUE_SLUGS.items()
    ),
    path("review/<int:pk>/", views_review.review_detail, name="review_detail"),
    path("review/<int:pk>/standards/", views_review.review_standards, name="review_standards"),
    *(
        path(
            f"review/<int:pk>/{action.replace('_', '-')}/",
            views_review.review_step,
            {"action": action},
            name=f"review_{action}",
        )
        for action in views_review.STEP_ORDER
    ),
    # Proof (证明), the centre's pages: every document; revoke, suspend, reinstate (POST only).
    path("proof/manage/", views_proof_manage.document_manage_list, name="document_manage_list"),
    path(
        "proof/manage/<int:pk>/",
        views_proof_manage.document_manage_detail,
        name="document_manage_detail",
    ),
    *(
        path(
            f"proof/manage/<int:pk>/{action}/",
            getattr(views_proof_manage, f"document_{action}_view"),
            name=f"document_{action}",
        )
        for action in ("revoke", "suspend", "reinstate")
    ),
]
