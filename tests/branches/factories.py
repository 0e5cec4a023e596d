import factory

from branches.models import BranchCentre, Centre, District, ServicePoint, StaffAssignment
from tests.accounts.factories import UserFactory


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    code = "500103"
    city = "chongqing"
    name_zh = "渝中区"
    name_en = "Yuzhong District"
    kind = "district"


class CentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Centre

    name = "重庆市终身学习学分银行管理中心"


class BranchCentreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BranchCentre

    centre = factory.SubFactory(CentreFactory)
    name = factory.Sequence(lambda n: f"测试分中心{n}")
    district = factory.SubFactory(DistrictFactory)


class ServicePointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ServicePoint

    branch = factory.SubFactory(BranchCentreFactory)
    name = factory.Sequence(lambda n: f"测试受理点{n}")
    district = factory.SelfAttribute("branch.district")
    address = factory.Sequence(lambda n: f"重庆市渝中区测试路{n}号")
    opening_hours = "周一至周五 9:00–17:00"


class StaffAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffAssignment

    user = factory.SubFactory(UserFactory)
    branch = factory.SubFactory(BranchCentreFactory)
    role = StaffAssignment.Role.STAFF
