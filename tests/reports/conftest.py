import pytest

from tests.factories import UserFactory


@pytest.fixture
def province_manager(village):
    """Manages the criteria sets of the personas' province (appointed by an administrator)."""
    from reports.models import ProvinceManager

    user = UserFactory(full_name="Cán bộ Sở")
    ProvinceManager.objects.create(user=user, province=village.commune.province)
    return user
