"""Delivery reports that providers send back, in their own documented shapes."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET

from announcements import services


@csrf_exempt
@require_GET
def esms_callback(request: HttpRequest, signature: str) -> JsonResponse:
    """eSMS calls the message's CallbackUrl with GET and the report in the query string."""
    try:
        services.esms_callback(signature=signature, params=request.GET)
    except PermissionDenied:
        return JsonResponse({"error": "bad signature"}, status=403)
    except ValidationError as exc:
        return JsonResponse({"error": str(getattr(exc, "message", "bad report"))}, status=400)
    return JsonResponse({"ok": True})
