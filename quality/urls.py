"""The pages of quality assurance; none yet. The namespace is reserved so that the app's
URL names never collide with another app's."""

app_name = "quality"

urlpatterns: list = []
