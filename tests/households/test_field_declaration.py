"""One declaration per registry model drives the form, the API and the services."""

import pytest

from households import services as registry
from households.forms import HouseholdForm, ResidentForm
from households.models import Household, Resident
from households.registry_api import (
    HouseholdCreateSerializer,
    HouseholdWriteSerializer,
    ResidentCreateSerializer,
    ResidentWriteSerializer,
)
from households.visibility import ALL_RESIDENT_FIELDS

# Editable model fields that are deliberately not in the declaration: each has a service of
# its own (status, consent, head, deletion) or belongs to the row's place (village, household).
CHANGED_BY_OWN_SERVICES = {
    Household: {
        "village",
        "status",
        "status_changed_on",
        "head_name_public",
        "consent_recorded_on",
        "consent_recorded_by",
        "deleted_reason",
    },
    Resident: {"household", "is_head", "left_on", "account", "deleted_reason"},
}
DECLARED = {Household: registry.HOUSEHOLD_FIELDS, Resident: registry.RESIDENT_FIELDS}


@pytest.mark.django_db
def test_the_forms_edit_exactly_the_declared_fields(village) -> None:
    assert list(HouseholdForm(village=village).fields) == list(registry.HOUSEHOLD_FIELDS)
    assert list(ResidentForm().fields) == list(registry.RESIDENT_FIELDS)
    head_form = set(ResidentForm(head=True).fields)
    assert head_form == set(registry.RESIDENT_FIELDS) - {"relationship"}


def test_the_api_accepts_exactly_the_declared_fields() -> None:
    assert list(HouseholdWriteSerializer().fields) == list(registry.HOUSEHOLD_FIELDS)
    assert list(ResidentWriteSerializer().fields) == list(registry.RESIDENT_FIELDS)
    assert set(HouseholdCreateSerializer().fields) == {
        "village",
        "head",
        *registry.HOUSEHOLD_FIELDS,
    }
    assert set(ResidentCreateSerializer().fields) == {"household", *registry.RESIDENT_FIELDS}


@pytest.mark.parametrize("model", [Household, Resident])
def test_every_editable_model_field_is_declared_or_has_its_own_service(model) -> None:
    editable = {
        field.name
        for field in model._meta.concrete_fields
        if field.editable and not field.primary_key
    }
    declared = set(DECLARED[model])
    assert declared <= editable, declared - editable
    forgotten = editable - declared - CHANGED_BY_OWN_SERVICES[model]
    assert not forgotten, f"declare {forgotten} in households.services or give it a service"


def test_every_declared_resident_field_has_a_visibility_rule() -> None:
    assert set(registry.RESIDENT_FIELDS) <= ALL_RESIDENT_FIELDS


@pytest.mark.django_db
def test_a_service_refuses_a_field_outside_the_declaration(world) -> None:
    with pytest.raises(TypeError, match="colour"):
        registry.household_update(household=world.household, by=None, colour="blue")
    head = world.household.residents.get(is_head=True)
    with pytest.raises(TypeError, match="nickname"):
        registry.resident_update(resident=head, by=None, nickname="An")


def test_the_spreadsheet_carries_every_declared_field_but_those_it_leaves_out() -> None:
    from households.exports import RESIDENT_KEYS
    from households.imports.fileformat import COLUMNS, HOUSEHOLD_KEYS

    declared = (*registry.HOUSEHOLD_FIELDS, *registry.RESIDENT_FIELDS)
    assert set(declared) >= registry.NOT_IN_SPREADSHEET
    carried = [f for f in declared if f not in registry.NOT_IN_SPREADSHEET]
    # The import's columns, in order, are the declared fields it carries: a field added to the
    # declaration fails here until it has a column or is left out on purpose.
    assert [c.key for c in COLUMNS] == carried
    assert HOUSEHOLD_KEYS == registry.SPREADSHEET_HOUSEHOLD_FIELDS
    assert [k for k in RESIDENT_KEYS if k != "age"] == list(registry.SPREADSHEET_RESIDENT_FIELDS)
