import datetime

import factory
from django.utils import timezone

from branches.models import (
    AllianceMembership,
    Announcement,
    BranchCentre,
    Centre,
    District,
    HelpPage,
    ServicePoint,
    StaffAssignment,
)
from tests.accounts.factories import InstitutionFactory, UserFactory


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


class OtherDistrictFactory(DistrictFactory):
    code = "500106"
    name_zh = "沙坪坝区"
    name_en = "Shapingba District"


class AllianceMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AllianceMembership

    institution = factory.SubFactory(InstitutionFactory)
    branch = factory.SubFactory(BranchCentreFactory)
    joined_on = datetime.date(2019, 3, 1)
    pilot_batch = "第一批试点单位"
    status = AllianceMembership.Status.ACTIVE


class AnnouncementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Announcement

    kind = Announcement.Kind.NOTICE
    title = factory.Sequence(lambda n: f"测试公告{n}")
    body = "第一段。\n\n第二段。"
    status = Announcement.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        published = factory.Trait(
            status=Announcement.Status.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )


class HelpPageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = HelpPage

    slug = factory.Sequence(lambda n: f"test-page-{n}")
    title = factory.Sequence(lambda n: f"测试指南{n}")
    summary = "一句话说明。"
    body = "第一段。\n\n第二段。"
    order = 100
    status = HelpPage.Status.DRAFT
    created_by = factory.SubFactory(UserFactory)

    class Params:
        published = factory.Trait(
            status=HelpPage.Status.PUBLISHED,
            published_at=factory.LazyFunction(timezone.now),
        )
