from django.conf import settings


def site(request):
    return {"SITE_NAME": settings.CREDITBANK_SITE_NAME}
