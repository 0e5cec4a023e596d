from django.conf import settings
from django.utils.translation import get_language


def site(request):
    """The site's name and what the footer of every page says (from settings: no query)."""
    english = (get_language() or "").startswith("en")
    return {
        "SITE_NAME": settings.CREDITBANK_SITE_NAME,
        "FOOTER": {
            "city": settings.CREDITBANK_CITY_NAME_EN if english else settings.CREDITBANK_CITY_NAME,
            "address": settings.CREDITBANK_CENTRE_ADDRESS,
            "hotline": settings.CREDITBANK_CENTRE_HOTLINE,
            "email": settings.CREDITBANK_CENTRE_EMAIL,
        },
    }
