"""The pages of conversion (转换), under /conversion/. Each section is kept by one part of the
app; add a page to its section."""

from django.urls import path  # noqa: F401

from .views import applications, catalogue_manage, public, reference, review, rules_manage
from .views import simulate as simulate_views

app_name = "conversion"

urlpatterns: list = []

# --- Public: the lookup (/conversion/), the course catalogue (课程超市), published rules ---------
urlpatterns += [
    path("conversion/", public.lookup, name="lookup"),
    path("conversion/courses/", public.course_catalogue, name="course_catalogue"),
    path("conversion/courses/<int:pk>/", public.course_public, name="course_public"),
    path("conversion/programmes/<int:pk>/", public.programme_public, name="programme_public"),
    path("conversion/rules/<int:pk>/", public.rule_public, name="rule_public"),
]

# --- The what-if simulator (模拟转换): the learner's, the public's, and applying from it --------
urlpatterns += [
    path("my/conversion/simulate/", simulate_views.my_simulate, name="my_simulate"),
    path("my/conversion/apply/", simulate_views.application_apply, name="application_apply"),
    path("conversion/simulate/", simulate_views.simulate_public, name="simulate_public"),
]

# --- Institution staff: programmes and courses (/conversion/manage/programmes|courses/) -------
urlpatterns += [
    path(
        "conversion/manage/programmes/",
        catalogue_manage.programme_manage,
        name="programme_manage",
    ),
    path(
        "conversion/manage/institutions/<int:pk>/caps/",
        catalogue_manage.caps_edit,
        name="caps_edit",
    ),
    path(
        "conversion/manage/programmes/new/",
        catalogue_manage.programme_create,
        name="programme_create",
    ),
    path(
        "conversion/manage/programmes/<int:pk>/edit/",
        catalogue_manage.programme_edit,
        name="programme_edit",
    ),
    path("conversion/manage/courses/", catalogue_manage.course_manage, name="course_manage"),
    path("conversion/manage/courses/new/", catalogue_manage.course_create, name="course_create"),
    path(
        "conversion/manage/courses/<int:pk>/edit/",
        catalogue_manage.course_edit,
        name="course_edit",
    ),
    path(
        "conversion/manage/courses/import/",
        catalogue_manage.course_import,
        name="course_import",
    ),
    path(
        "conversion/manage/courses/import/template.<str:fmt>/",
        catalogue_manage.course_import_template,
        name="course_import_template",
    ),
]

# --- Institution staff: drafting rule versions (/conversion/manage/rules/) --------------------
urlpatterns += [
    path("conversion/manage/rules/", rules_manage.rule_manage, name="rule_manage"),
    path("conversion/manage/rules/new/", rules_manage.rule_create, name="rule_create"),
    path(
        "conversion/manage/rules/<int:pk>/",
        rules_manage.rule_manage_detail,
        name="rule_manage_detail",
    ),
    path("conversion/manage/rules/<int:pk>/edit/", rules_manage.rule_edit, name="rule_edit"),
    path(
        "conversion/manage/rules/<int:pk>/new-version/",
        rules_manage.rule_new_version,
        name="rule_new_version",
    ),
]

# --- Review: submit, expert panels and opinions, approve, publish, retire (/conversion/review/)
urlpatterns += [
    path("conversion/review/", review.review_queue, name="review_queue"),
    path("conversion/review/<int:pk>/submit/", review.rule_submit, name="rule_submit"),
    path("conversion/review/<int:pk>/withdraw/", review.rule_withdraw, name="rule_withdraw"),
    path("conversion/review/<int:pk>/panel/", review.rule_panel_assign, name="rule_panel_assign"),
    path("conversion/review/<int:pk>/opinion/", review.rule_opinion, name="rule_opinion"),
    path("conversion/review/<int:pk>/return/", review.rule_return, name="rule_return"),
    path("conversion/review/<int:pk>/approve/", review.rule_approve, name="rule_approve"),
    path("conversion/review/<int:pk>/publish/", review.rule_publish, name="rule_publish"),
    path("conversion/review/<int:pk>/retire/", review.rule_retire, name="rule_retire"),
]

# --- Reference lists a source names: certificates and self-study subjects (the centre keeps them)
urlpatterns += [
    path("conversion/certificates/", reference.certificate_list, name="certificate_list"),
    path("conversion/certificates/new/", reference.certificate_create, name="certificate_create"),
    path(
        "conversion/certificates/<int:pk>/edit/",
        reference.certificate_edit,
        name="certificate_edit",
    ),
    path("conversion/subjects/", reference.subject_list, name="subject_list"),
    path("conversion/subjects/new/", reference.subject_create, name="subject_create"),
    path("conversion/subjects/<int:pk>/edit/", reference.subject_edit, name="subject_edit"),
]

# --- Conversion applications (转换申请): the learner's pages and the staff's queues and steps ---
urlpatterns += [
    path("my/conversion/applications/", applications.my_applications, name="my_applications"),
    path(
        "my/conversion/applications/<int:pk>/",
        applications.my_application,
        name="my_application",
    ),
    path(
        "my/conversion/applications/<int:pk>/withdraw/",
        applications.application_withdraw,
        name="application_withdraw",
    ),
    path(
        "my/conversion/applications/<int:pk>/appeal/",
        applications.application_appeal,
        name="application_appeal",
    ),
    path(
        "conversion/applications/queue/<str:queue>/",
        applications.application_queue,
        name="application_queue",
    ),
    path(
        "conversion/applications/<int:pk>/",
        applications.application_review,
        name="application_review",
    ),
    path(
        "conversion/applications/<int:pk>/accept/",
        applications.application_accept,
        name="application_accept",
    ),
    path(
        "conversion/applications/<int:pk>/decline/",
        applications.application_decline,
        name="application_decline",
    ),
    path(
        "conversion/applications/<int:pk>/take/",
        applications.application_take,
        name="application_take",
    ),
    path("conversion/lines/<int:pk>/decide/", applications.line_decide, name="line_decide"),
    path("conversion/lines/<int:pk>/confirm/", applications.line_confirm, name="line_confirm"),
    path(
        "conversion/lines/<int:pk>/send-back/",
        applications.line_send_back,
        name="line_send_back",
    ),
]
