"""Public pages behind the signs: no login, light, cached, and nothing personal.

Each page is rendered once per village version and language and kept in the cache; any
change to what it shows bumps the village's version (``villageportal.public_cache``), so the
next request renders afresh. The pages need no JavaScript and use a small stylesheet of
their own instead of the staff portal's.
"""

import hashlib
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.views.decorators.http import require_safe

from households.models import Household, Lane, Village
from qrsigns import services
from qrsigns.models import HeritageSite, Sign, normalise_code
from qrsigns.selectors import lane_public_households, lane_sketch
from villageportal import public_cache
from villageportal.edge_cache import EDGE_HEADER

# Browsers and proxies may keep a page this long; the server-side copy is exact.
PUBLIC_MAX_AGE = 300
PAGE_TIMEOUT = 24 * 3600


def _language(request: HttpRequest) -> str:
    """``?lang=en`` asks for English without a cookie, so the pages stay cacheable."""
    asked = request.GET.get("lang", "")
    codes = {code for code, _name in settings.LANGUAGES}
    return asked if asked in codes else translation.get_language() or settings.LANGUAGE_CODE


def _headers(response: HttpResponse, etag: str, language: str) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response["ETag"] = etag
    response["Content-Language"] = language
    return response


# Rendered pages are also kept in each web process, so a hot page costs one round trip to
# the shared cache (its village's version) instead of two and no unpickling. Bounded, oldest
# out first.
_LOCAL_PAGES: OrderedDict[str, tuple[int, str, bytes]] = OrderedDict()
LOCAL_PAGES_MAX = 512


def _version(village_id: UUID) -> int:
    return public_cache.version(village_id)


def _remember(key: str, entry: tuple[int, str, bytes]) -> None:
    _LOCAL_PAGES[key] = entry
    _LOCAL_PAGES.move_to_end(key)
    while len(_LOCAL_PAGES) > LOCAL_PAGES_MAX:
        _LOCAL_PAGES.popitem(last=False)


def _cached_page(
    request: HttpRequest,
    *,
    village_id: UUID,
    name: str,
    render: Callable[[], str],
    exists: Callable[[], bool] | None = None,
) -> HttpResponse:
    """Serve the page from the cache, rendering it first if the village changed since.

    The entry carries the village version it was rendered at; the version itself is always
    read from the shared cache, so a change shows on the next request in every process. On
    a miss the page's object is checked first (``exists``), so requests for made-up ids leave
    nothing in the cache.
    """
    language = _language(request)
    key = f"qrsigns:page:{name}:{language}"
    entry = _LOCAL_PAGES.get(key)
    current = None
    if entry is not None:
        current = _version(village_id)
        if entry[0] != current:
            entry = None
    if entry is None:
        entry = cache.get(key)
        if entry is not None:
            current = current or _version(village_id)
            if entry[0] != current:
                entry = None
        if entry is None:
            if current is None and exists is not None and not exists():
                raise Http404
            current = _version(village_id)
            with translation.override(language):
                html = render().encode()
            entry = (current, f'"{hashlib.blake2b(html, digest_size=12).hexdigest()}"', html)
            cache.set(key, entry, PAGE_TIMEOUT)
        _remember(key, entry)
    rendered_at, etag, html = entry
    if request.headers.get("If-None-Match") == etag:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(html, content_type="text/html; charset=utf-8")
        # The ASGI page cache keeps this response for as long as the village stays at this
        # version (villageportal.edge_cache), and removes the header.
        response[EDGE_HEADER] = f"{village_id} {rendered_at}"
    return _headers(response, etag, language)


def _link_params(request: HttpRequest) -> str:
    """Keep an explicit language choice on the links between public pages."""
    language = request.GET.get("lang", "")
    return f"?{urlencode({'lang': language})}" if language in dict(settings.LANGUAGES) else ""


def feedback_url(village_id: UUID, **params: Any) -> str | None:
    """The feedback form of the village, pre-located; None while that form does not exist."""
    try:
        url = reverse("feedback_report_new", kwargs={"village_id": village_id})
    except NoReverseMatch:
        return None
    query = {k: v for k, v in params.items() if v not in (None, "")}
    if translation.get_language() != settings.LANGUAGE_CODE:
        # A visitor reading the page in another language keeps it on the form.
        query["lang"] = translation.get_language()
    return f"{url}?{urlencode(query)}" if query else url


def _context(request: HttpRequest, village: Village, **extra: Any) -> dict[str, Any]:
    return {
        "village": village,
        "lang_suffix": _link_params(request),
        "language": translation.get_language(),
        "other_language": "en" if translation.get_language() == "vi" else "vi",
        **extra,
    }


def _village(village_id: UUID) -> Village:
    village = Village.objects.select_related("commune__province").filter(pk=village_id).first()
    if village is None:
        raise Http404
    return village


@require_safe
def village_home(request: HttpRequest, village_id: UUID) -> HttpResponse:
    def render() -> str:
        village = _village(village_id)
        return render_to_string(
            "qrsigns/public/village.html",
            _context(
                request,
                village,
                lanes=Lane.objects.alive().filter(village=village).order_by("sort_order", "name"),
                sites=HeritageSite.objects.published().filter(village=village),
                feedback=feedback_url(village.pk),
            ),
            request=request,
        )

    return _cached_page(
        request,
        village_id=village_id,
        name=f"village:{village_id}",
        render=render,
        exists=Village.objects.filter(pk=village_id).exists,
    )


@require_safe
def lane_page(request: HttpRequest, village_id: UUID, lane_id: int) -> HttpResponse:
    def render() -> str:
        lane = (
            Lane.objects.alive()
            .select_related("village__commune__province")
            .filter(village_id=village_id, pk=lane_id)
            .first()
        )
        if lane is None:
            raise Http404
        households = lane_public_households(lane)
        sketch_image = None
        if lane.sketch:
            try:
                sketch_image = {
                    "url": lane.sketch.url,
                    "width": lane.sketch.width,
                    "height": lane.sketch.height,
                }
            except (OSError, ValueError):
                sketch_image = None
        return render_to_string(
            "qrsigns/public/lane.html",
            _context(
                request,
                lane.village,
                lane=lane,
                households=households,
                sketch=None if sketch_image else lane_sketch(lane, households),
                sketch_image=sketch_image,
                feedback=feedback_url(lane.village_id, lane=lane.pk),
            ),
            request=request,
        )

    return _cached_page(
        request,
        village_id=village_id,
        name=f"lane:{village_id}:{lane_id}",
        render=render,
        exists=Lane.objects.alive().filter(village_id=village_id, pk=lane_id).exists,
    )


@require_safe
def heritage_page(request: HttpRequest, code: str) -> HttpResponse:
    site = (
        HeritageSite.objects.published()
        .filter(public_code=code[:16])
        .values("pk", "village_id")
        .first()
    )
    if site is None:
        raise Http404

    def render() -> str:
        obj = HeritageSite.objects.select_related("village__commune__province").get(pk=site["pk"])
        return render_to_string(
            "qrsigns/public/heritage.html",
            _context(
                request,
                obj.village,
                site=obj,
                images=list(obj.images.all()),
                feedback=feedback_url(obj.village_id, lat=obj.latitude, lng=obj.longitude),
            ),
            request=request,
        )

    return _cached_page(
        request, village_id=site["village_id"], name=f"heritage:{code}", render=render
    )


@require_safe
def door_plate(request: HttpRequest, code: str) -> HttpResponse:
    household = (
        Household.objects.active().filter(public_code=code[:16]).values("pk", "village_id").first()
    )
    if household is None:
        raise Http404

    def render() -> str:
        obj = (
            Household.objects.select_related("lane", "village__commune__province")
            .only(
                "house_number",
                "digital_address",
                "lane__name",
                "lane__village_id",
                "lane__deleted_at",
                "village__name",
                "village__commune__name",
                "village__commune__province__name",
                "village__office_address",
                "village__office_phone",
                "village__introduction",
            )
            .get(pk=household["pk"])
        )
        return render_to_string(
            "qrsigns/public/door_plate.html",
            _context(
                request,
                obj.village,
                household=obj,
                feedback=feedback_url(obj.village_id, lane=obj.lane_id),
            ),
            request=request,
        )

    return _cached_page(
        request, village_id=household["village_id"], name=f"house:{code}", render=render
    )


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


def _code_page(request: HttpRequest, template: str, status: int, **context: Any) -> HttpResponse:
    language = _language(request)
    with translation.override(language):
        html = render_to_string(
            template,
            # No language link: following it would count the scan again.
            {"language": language, "lang_suffix": _link_params(request), "code_page": True}
            | context,
            request=request,
        )
    response = HttpResponse(html, status=status)
    response["Content-Language"] = language
    return _no_store(response)


def target_url(sign: Sign) -> str:
    """Where a scan of ``sign`` goes now; the village home when the target is gone."""
    home = reverse("qrsigns_village", kwargs={"village_id": sign.village_id})
    if sign.target == Sign.Target.LANE and sign.lane and sign.lane.deleted_at is None:
        return reverse(
            "qrsigns_lane", kwargs={"village_id": sign.village_id, "lane_id": sign.lane_id}
        )
    if (
        sign.target == Sign.Target.HERITAGE
        and sign.heritage_site
        and sign.heritage_site.is_published
    ):
        return reverse("qrsigns_heritage", kwargs={"code": sign.heritage_site.public_code})
    if (
        sign.target == Sign.Target.HOUSEHOLD
        and sign.household
        and sign.household.deleted_at is None
        and sign.household.status == Household.Status.ACTIVE
    ):
        return reverse("qrsigns_door_plate", kwargs={"code": sign.household.public_code})
    if sign.target == Sign.Target.REPORT:
        return (
            feedback_url(
                sign.village_id,
                sign=sign.code,
                lane=sign.lane_id,
                lat=sign.latitude,
                lng=sign.longitude,
            )
            or home
        )
    return home


@require_safe
def scan(request: HttpRequest, code: str) -> HttpResponse:
    """A scanned sign: count it and send the phone on to what the code opens now."""
    canonical = normalise_code(code)
    sign = None
    if canonical is not None:
        sign = (
            Sign.objects.select_related("lane", "heritage_site", "household", "village")
            .filter(code=canonical)
            .first()
        )
    if sign is None:
        services.unknown_scan_record(code=canonical)
        return _code_page(request, "qrsigns/public/code_unknown.html", 404)
    if not sign.is_active:
        return _code_page(request, "qrsigns/public/code_disabled.html", 410, village=sign.village)
    if request.method == "GET":  # link previews send HEAD; they are not scans
        services.scan_record(sign=sign)
    return _no_store(HttpResponseRedirect(target_url(sign)))
