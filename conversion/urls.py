"""The pages of conversion (转换), under /conversion/. Each section is kept by one part of the
app; add a page to its section."""

from django.urls import path  # noqa: F401

app_name = "conversion"

urlpatterns: list = []

# --- Public: the lookup (/conversion/), the course catalogue (课程超市), published rules ---------
urlpatterns += []

# --- Institution staff: programmes and courses (/conversion/manage/programmes|courses/) -------
urlpatterns += []

# --- Institution staff: drafting rule versions (/conversion/manage/rules/) --------------------
urlpatterns += []

# --- Review: submit, expert panels and opinions, approve, publish, retire (/conversion/review/)
urlpatterns += []
