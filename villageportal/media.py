"""Uploaded files that everyone may see: lane sketches, heritage photos, moderated images.

Only files under ``MEDIA_ROOT/public/`` are served, and every one of them was re-encoded by
``villageportal.images.clean_image``. Other uploads (import files, unmoderated photos) live
outside that folder and are reached only through views that check who is asking. A front
server may serve ``/media/public/`` itself from the same folder.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.http import Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_GET
from django.views.static import serve


@require_GET
def public_media(request: HttpRequest, path: str) -> HttpResponseBase:
    try:
        response = serve(request, path, document_root=str(Path(settings.MEDIA_ROOT) / "public"))
    except SuspiciousFileOperation as exc:  # "../" and absolute paths
        raise Http404 from exc
    response["Cache-Control"] = "public, max-age=86400"
    return response
