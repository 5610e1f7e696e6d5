"""The commune's processing register: a page, and its documents to download."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET

from accounts.access import current_village_or_none
from privacy import documents
from reports.access import access_commune, communes_of

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@login_required
@require_GET
def register_home(request: HttpRequest) -> HttpResponse:
    """The register of the commune the official works on (or their first commune)."""
    communes = communes_of(request.user).order_by("name")
    village = current_village_or_none(request)
    chosen = communes.filter(pk=village.commune_id).first() if village is not None else None
    chosen = chosen or communes.first()
    if chosen is None:
        return redirect("home")
    return redirect("privacy_register", pk=chosen.pk)


@login_required
@require_GET
def register(request: HttpRequest, pk: int) -> HttpResponse:
    commune, _villages = access_commune(user=request.user, pk=pk)
    return render(
        request,
        "privacy/register.html",
        {
            "commune": commune,
            "headings": documents.headings(),
            "rows": documents.register_rows(),
            "sections": documents.annex_sections(commune),
            "to_fill": documents.TO_FILL,
        },
    )


@login_required
@require_GET
def download(request: HttpRequest, pk: int, document: str, fmt: str) -> HttpResponse:
    commune, _villages = access_commune(user=request.user, pk=pk)
    if document not in documents.DOCUMENTS or fmt not in documents.FORMATS:
        raise Http404
    data = documents.render(commune=commune, document=document, fmt=fmt)
    response = HttpResponse(data, content_type=CONTENT_TYPES[fmt])
    name = documents.filename(commune=commune, document=document, fmt=fmt)
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
