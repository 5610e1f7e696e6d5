"""Cameras' personal fields for the processing register (``privacy.registry``).

A household camera is the household's: its place, its stream addresses (which show people)
and its credentials are the household's data. Who sees them is ``cameras.access``.
"""

from django.utils.translation import gettext_lazy as _

from cameras.access import MANAGER_ROLES, READER_ROLES
from privacy.registry import (
    DataClass,
    LegalBasis,
    NotPersonal,
    PersonalField,
    Purpose,
    declare,
)

OWNER = _("The household that owns a household camera; people in view")
CAMERA_RETENTION = _("While the camera is joined to the village network")

declare(
    PersonalField(
        model="cameras.Camera",
        fields=("name", "latitude", "longitude", "facing", "address_key", "notes"),
        label=_("Where a camera is and what it faces"),
        data_class=DataClass.BASIC,
        purpose=Purpose.SECURITY,
        legal_basis=LegalBasis.CONSENT,
        retention=CAMERA_RETENTION,
        seen_by=lambda: set(READER_ROLES),
        subject=OWNER,
    ),
    PersonalField(
        model="cameras.Camera",
        fields=(
            "stream_url",
            "substream_url",
            "snapshot_url",
            "hls_url",
            "onvif_url",
            "credentials",
        ),
        label=_("Stream addresses and credentials of a camera (images of people)"),
        data_class=DataClass.BASIC,
        purpose=Purpose.SECURITY,
        legal_basis=LegalBasis.CONSENT,
        retention=CAMERA_RETENTION,
        seen_by=lambda: set(MANAGER_ROLES),
        subject=OWNER,
    ),
    PersonalField(
        model="cameras.View",
        fields=("camera_name", "user_name", "ip"),
        label=_("Log of who watched which camera, from which address"),
        data_class=DataClass.BASIC,
        purpose=Purpose.ACCOUNTABILITY,
        legal_basis=LegalBasis.LEGAL_OBLIGATION,
        retention=_("Kept with the camera's records"),
        seen_by=lambda: set(MANAGER_ROLES),
        subject=_("The staff member who watched"),
    ),
    PersonalField(
        model="cameras.ImportJob",
        fields=("original_name", "rows", "errors"),
        label=_("Uploaded camera lists"),
        data_class=DataClass.BASIC,
        purpose=Purpose.SECURITY,
        legal_basis=LegalBasis.CONSENT,
        retention=_("Until the import finishes or is abandoned (a day at most)"),
        seen_by=lambda: set(MANAGER_ROLES),
        subject=OWNER,
    ),
    NotPersonal("cameras.Camera", ("make", "model"), reason=_("The camera's make and model")),
)
