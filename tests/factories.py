from datetime import date, timedelta

import factory
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from accounts.roles import COMMUNE_ROLES, Role
from households.models import Commune, Household, Lane, Province, Resident, Village

PASSWORD = "mat-khau-thu-nghiem-2026"


def years_ago(years: int, days: int = 0) -> date:
    today = timezone.localdate()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:
        day = today.replace(year=today.year - years, day=28)
    return day - timedelta(days=days)


class ProvinceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Province
        django_get_or_create = ["code"]

    code = "42"
    name = "Hà Tĩnh"
    division_type = "tinh"
    codename = "ha_tinh"


class CommuneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Commune

    code = factory.Sequence(lambda n: f"{90000 + n:05d}")
    province = factory.SubFactory(ProvinceFactory)
    name = factory.Sequence(lambda n: f"Xã Cẩm Thử {n}")
    division_type = "xa"
    codename = factory.Sequence(lambda n: f"xa_cam_thu_{n}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village

    commune = factory.SubFactory(CommuneFactory)
    name = factory.Sequence(lambda n: f"Thôn Thử Nghiệm {n}")


class LaneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Lane

    village = factory.SubFactory(VillageFactory)
    name = factory.Sequence(lambda n: f"Ngõ {n}")
    sort_order = factory.Sequence(int)


class HouseholdFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Household

    lane = factory.SubFactory(LaneFactory)
    village = factory.SelfAttribute("lane.village")
    # Never a bare number: tests write houses "7" or "9" and look them up by number, and a
    # sequence that reached 9 would answer for them, depending on which tests ran first.
    house_number = factory.Sequence(lambda n: f"TN{n + 1}")


class ResidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resident

    household = factory.SubFactory(HouseholdFactory)
    full_name = "Nguyễn Văn An"
    gender = Resident.Gender.MALE
    is_head = False


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    full_name = factory.Sequence(lambda n: f"Người Dùng {n}")
    email = factory.Sequence(lambda n: f"user{n}@example.com")
    phone = factory.Sequence(lambda n: f"+8491{n:07d}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    role = Role.VILLAGE_OFFICER
    village = factory.SubFactory(VillageFactory)


def membership(user: User, role: str, village: Village) -> Membership:
    if role in COMMUNE_ROLES:
        return Membership.objects.create(user=user, role=role, commune=village.commune)
    return Membership.objects.create(user=user, role=role, village=village)


class InvitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invitation
        exclude = ["token"]

    token = factory.LazyFunction(lambda: Invitation.new_token()[0])
    token_hash = factory.LazyAttribute(
        lambda o: __import__("hashlib").sha256(o.token.encode()).hexdigest()
    )
    full_name = "Trần Thị Bình"
    email = factory.Sequence(lambda n: f"invitee{n}@example.com")
    role = Role.VILLAGE_OFFICER
    village = factory.SubFactory(VillageFactory)
    expires_at = factory.LazyFunction(lambda: timezone.now() + timezone.timedelta(days=7))


def api_token(user: User) -> str:
    """A personal API token of ``user``, made as the API token page makes it; its text."""
    from accounts.services import api_token_create

    return api_token_create(user=user)[1]
