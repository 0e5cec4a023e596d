"""The pages of conversion (转换): programmes, courses, rules and
applications; none yet. The namespace is reserved so that the app's
URL names never collide with another app's."""

app_name = "conversion"

urlpatterns: list = []
