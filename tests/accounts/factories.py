import factory
from allauth.account.models import EmailAddress
from django.contrib.auth import get_user_model
from stdnum.cn import uscc

from accounts.models import Institution, InstitutionStaff, RoleGrant

PASSWORD = "Correct-Horse-42"


class UserFactory(factory.django.DjangoModelFactory):
    """A person with a verified primary e-mail address and the password ``PASSWORD``."""

    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"person{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def verified_email(obj, create, extracted, **kwargs):
        if create and extracted is not False:
            EmailAddress.objects.get_or_create(
                user=obj, email=obj.email, defaults={"verified": True, "primary": True}
            )


def valid_credit_code(first17: str) -> str:
    """A unified social credit code: ``first17`` and its GB 32100 check character."""
    return first17 + uscc.calc_check_digit(first17)


class InstitutionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Institution

    name = factory.Sequence(lambda n: f"测试学院{n}")
    credit_code = factory.Sequence(lambda n: valid_credit_code(f"1250000045{n:07d}"))
    kind = Institution.Kind.UNIVERSITY
    status = Institution.Status.APPROVED


class InstitutionStaffFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = InstitutionStaff

    institution = factory.SubFactory(InstitutionFactory)
    user = factory.SubFactory(UserFactory)
    role = InstitutionStaff.Role.CLERK


class RoleGrantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleGrant

    user = factory.SubFactory(UserFactory)
