import json
import subprocess
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import (
    access_object,
    current_village,
    staff_required,
    village_roles,
)
from accounts.roles import Role
from announcements import cap, selectors, services, speakers, tts
from announcements.access import (
    APPROVER_ROLES,
    WRITER_ROLES,
    access_announcement,
    access_group,
    writer_required,
)
from announcements.conf import setting
from announcements.forms import (
    AnnouncementForm,
    CorrectionForm,
    GroupForm,
    PreferenceForm,
    SpeakerClusterForm,
    UnknownSettleForm,
    WithdrawForm,
)
from announcements.gateways import GATEWAYS, channel_configured, signature_valid
from announcements.models import (
    Acknowledgement,
    Announcement,
    Channel,
    Delivery,
    Group,
    Preference,
    Sighting,
    SpeakerCluster,
)
from households.models import Lane, Village
from villageportal.atom import AtomFeed, absolute_url
from villageportal.forms import error_text, form_call

# Staff -------------------------------------------------------------------------------------------


@staff_required
@require_GET
def announcement_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    announcements = selectors.announcements_for_staff(user=request.user, village=village)[:100]
    can_write = bool(village_roles(request) & WRITER_ROLES) or request.user.is_superuser
    return render(
        request,
        "announcements/announcement_list.html",
        {
            "announcements": announcements,
            "can_write": can_write,
            "unknown": selectors.unknown_count(village=village) if can_write else 0,
        },
    )


@writer_required
@require_GET
def unknown_list(request: HttpRequest) -> HttpResponse:
    """The village's messages that may have been sent: staff check with the person, then mark
    each as received or send it again (never automatically)."""
    village = current_village(request)
    announcement_id = request.GET.get("announcement", "")
    only = int(announcement_id) if announcement_id.isdigit() else None
    rows = selectors.unknown_deliveries(user=request.user, village=village, announcement_id=only)[
        : UnknownSettleForm.MAX_ROWS
    ]
    for row in rows:
        row.masked = selectors.masked_address(row.address)  # type: ignore[attr-defined]
    return render(
        request,
        "announcements/unknown_list.html",
        {
            "rows": rows,
            "only": only,
            "total": selectors.unknown_count(village=village),
        },
    )


@writer_required
@require_POST
def unknown_settle(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    form = UnknownSettleForm(request.POST)
    back = reverse("announcement_unknown_list")
    only = request.POST.get("announcement", "")
    if only.isdigit():
        back += f"?announcement={only}"
    if not form.is_valid():
        messages.error(request, " ".join(str(m) for errors in form.errors.values() for m in errors))
        return redirect(back)
    ids = form.cleaned_data["ids"]
    rows = list(
        Delivery.objects.visible_to(request.user).filter(pk__in=ids, announcement__village=village)
    )
    if len(rows) != len(ids):
        raise Http404  # another village's row, or none at all
    settled, skipped = services.deliveries_unknown_settle(
        deliveries=rows, sent=form.cleaned_data["sent"], by=request.user
    )
    if form.cleaned_data["sent"]:
        text = _("%(n)s messages marked as received: none will be sent again.")
    else:
        text = _("%(n)s messages queued to be sent once more.")
    if settled:
        messages.success(request, text % {"n": settled})
    if skipped:
        messages.warning(
            request,
            _("%(n)s messages were already settled: nothing was done to them.") % {"n": skipped},
        )
    return redirect(back)


@writer_required
def announcement_create(request: HttpRequest) -> HttpResponse:
    return _compose(request, village=current_village(request), draft=None)


@login_required
def announcement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a draft: the way back from the confirmation step."""
    draft = access_announcement(user=request.user, pk=pk)
    if draft.status != Announcement.Status.DRAFT:
        messages.info(request, _("Only a draft can be changed; this one was already submitted."))
        return redirect("announcement_detail", pk=pk)
    return _compose(request, village=draft.village, draft=draft)


def _compose(request: HttpRequest, *, village: Village, draft: Announcement | None) -> HttpResponse:
    """The compose form. "Count" shows the audience, "Save as draft" keeps it, "Continue"
    saves a draft that could be sent as it is and opens the confirmation step; nothing is
    sent from here."""
    available = services.available_channels()
    form = AnnouncementForm(
        request.POST or None,
        request.FILES or None,
        village=village,
        available=available,
        instance=draft,
    )
    count = None
    if request.method == "POST" and form.is_valid():
        action = request.POST.get("action", "review")
        data = form.cleaned_data
        residents = services.audience_residents(
            village=village,
            audience=data["audience"],
            lanes=data.get("lanes") or [],
            groups=data.get("groups") or [],
            household=data.get("household"),
        )
        if action == "count":
            count = services.audience_count(
                residents=residents,
                channels=data["channels"],
                speakers_of=village if data.get("loudspeakers") else None,
            )
        else:
            fields = {k: v for k, v in data.items() if k not in ("lanes", "groups")}
            audience = {"lanes": data.get("lanes") or [], "groups": data.get("groups") or []}
            review = action != "draft"

            def save() -> Announcement:
                if draft is not None:
                    return services.announcement_draft_update(
                        announcement=draft, by=request.user, review=review, **audience, **fields
                    )
                return services.announcement_create(
                    village=village,
                    by=request.user,
                    submit=False,
                    review=review,
                    **audience,
                    **fields,
                )

            ok, saved = form_call(form, save)
            if ok:
                if review:
                    return redirect("announcement_confirm", pk=saved.pk)
                messages.success(request, _("The draft is saved."))
                return redirect("announcement_detail", pk=saved.pk)
    return render(
        request,
        "announcements/announcement_form.html",
        {
            "form": form,
            "count": count,
            "count_rows": [
                (Channel(c).label, n) for c, n in (count or {}).get("channels", {}).items()
            ],
            "draft": draft,
            "channels_off": [str(Channel(c).label) for c in GATEWAYS if c not in available],
            "channel_labels": {c: str(Channel(c).label) for c in available},
        },
    )


@login_required
def announcement_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    """The second step before sending: who gets it on which channels, then "Send".

    The form carries the fingerprint of what was shown; if the draft or its recipients changed
    since, the page is shown again with a message and nothing is sent.
    """
    announcement = access_announcement(user=request.user, pk=pk)
    if announcement.status != Announcement.Status.DRAFT:
        if request.method == "POST":
            messages.info(
                request, _("This announcement was already submitted; nothing was sent again.")
            )
        return redirect("announcement_detail", pk=pk)
    status = 200
    if request.method == "POST":
        try:
            announcement = services.announcement_confirm(
                announcement=announcement,
                by=request.user,
                fingerprint=request.POST.get("fingerprint", ""),
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            status = 409
        else:
            messages.success(request, _status_message(announcement))
            return redirect("announcement_detail", pk=pk)
    summary = services.confirmation_summary(announcement=announcement)
    return render(
        request,
        "announcements/announcement_confirm.html",
        {
            "announcement": announcement,
            "summary": summary,
            "channel_labels": {c.value: str(c.label) for c in Channel},
            "needs_approval": services.needs_approval(announcement=announcement, by=request.user),
        },
        status=status,
    )


@staff_required
@require_GET
def announcement_speech(request: HttpRequest, pk: int) -> HttpResponse:
    """The loudspeaker text of an announcement as speech, for its village's staff to hear.

    Synthesised on request and never stored: nothing is left behind if the engine fails.
    """
    announcement = access_object(Announcement.objects, user=request.user, pk=pk)
    try:
        audio = tts.synthesize(speakers.speech_text(announcement))
    except (tts.EngineUnavailable, OSError, subprocess.SubprocessError):
        return HttpResponse(
            _("The speech engine is not available on this server."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(audio, content_type="audio/wav")
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


def _status_message(announcement: Announcement) -> str:
    return {
        Announcement.Status.SENT: _("The announcement is being sent."),
        Announcement.Status.SCHEDULED: _("The announcement is scheduled."),
        Announcement.Status.PENDING_APPROVAL: _("The announcement waits for the head's approval."),
    }.get(announcement.status, _("The draft is saved."))


@writer_required
@require_GET
def announcement_audience(request: HttpRequest) -> JsonResponse:
    """The live recipient count of the compose page."""
    village = current_village(request)
    audience = request.GET.get("audience", Announcement.Audience.VILLAGE)
    if audience not in Announcement.Audience.values:
        return JsonResponse({"error": _("Unknown audience.")}, status=400)
    ids = {
        name: [v for v in request.GET.getlist(name) if v.isdigit()] for name in ("lanes", "groups")
    }
    household = request.GET.get("household", "")
    residents = services.audience_residents(
        village=village,
        audience=audience,
        lanes=Lane.objects.filter(village=village, pk__in=ids["lanes"]),
        groups=Group.objects.filter(village=village, pk__in=ids["groups"]),
        household=village.households.filter(pk=household).first() if household.isdigit() else None,
    )
    channels = [c for c in request.GET.getlist("channels") if c in services.available_channels()]
    speakers = village if request.GET.get("loudspeakers") else None
    return JsonResponse(
        services.audience_count(residents=residents, channels=channels, speakers_of=speakers)
    )


@staff_required
@require_GET
def announcement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_object(Announcement.objects, user=request.user, pk=pk)
    roles = village_roles(request)
    can_write = bool(roles & WRITER_ROLES) or request.user.is_superuser
    return render(
        request,
        "announcements/announcement_detail.html",
        {
            "announcement": announcement,
            "reach": selectors.reach(announcement=announcement),
            "unknown": (
                selectors.unknown_count(village=announcement.village, announcement=announcement)
                if can_write
                else 0
            ),
            "can_write": can_write,
            "can_approve": Role.VILLAGE_HEAD in roles or request.user.is_superuser,
            "withdraw_form": WithdrawForm(),
            "reminders": announcement.reminders.all(),
            "share": _share_context(request, announcement),
        },
    )


# The shared link carries this, so that landings through it can be counted.
SHARE_VIA = "zalo-share"
# The browser-session cookie listing the announcements whose shared link this browser has
# already been counted for (public codes only; nothing about the person).
SHARE_COOKIE = "vp_shared"
SHARE_COOKIE_CODES = 20


def _share_context(request: HttpRequest, announcement: Announcement) -> dict[str, Any]:
    """The link and text the share button hands to the phone's share sheet or the clipboard."""
    if not services.announcement_shareable(announcement):
        return {"shareable": False}
    link = request.build_absolute_uri(
        reverse("announcement_public", args=[announcement.public_code]) + f"?via={SHARE_VIA}"
    )
    summary = Truncator(" ".join(announcement.body.split())).chars(160)
    return {
        "shareable": True,
        "link": link,
        "title": announcement.title,
        "text": f"{announcement.title}\n{summary}",
        **selectors.share_counts(announcement=announcement),
    }


@staff_required
@require_POST
def announcement_share(request: HttpRequest, pk: int) -> JsonResponse:
    """Count a share to Zalo that the page made (share sheet completed, or text copied)."""
    announcement = access_object(Announcement.objects, user=request.user, pk=pk)
    try:
        counted = services.share_record(
            announcement=announcement, user=request.user, via=request.POST.get("via", "")
        )
    except ValidationError as exc:
        return JsonResponse({"error": error_text(exc)}, status=400)
    return JsonResponse({"counted": counted, **selectors.share_counts(announcement=announcement)})


@login_required
@require_POST
def announcement_submit(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_announcement(user=request.user, pk=pk)
    try:
        announcement = services.announcement_submit(announcement=announcement, by=request.user)
        messages.success(request, _status_message(announcement))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("announcement_detail", pk=pk)


@login_required
@require_POST
def announcement_approve(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_announcement(user=request.user, pk=pk, roles=APPROVER_ROLES)
    try:
        announcement = services.announcement_approve(announcement=announcement, by=request.user)
        messages.success(request, _status_message(announcement))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("announcement_detail", pk=pk)


@login_required
@require_POST
def announcement_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_announcement(user=request.user, pk=pk)
    form = WithdrawForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the announcement is withdrawn."))
        return redirect("announcement_detail", pk=pk)
    try:
        services.announcement_withdraw(
            announcement=announcement, by=request.user, reason=form.cleaned_data["reason"]
        )
        messages.success(request, _("The announcement is withdrawn."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("announcement_detail", pk=pk)


@login_required
def announcement_correct(request: HttpRequest, pk: int) -> HttpResponse:
    announcement = access_announcement(user=request.user, pk=pk)
    form = CorrectionForm(
        request.POST or None,
        initial={"title": _("Correction: %(title)s") % {"title": announcement.title}},
    )
    if request.method == "POST" and form.is_valid():
        try:
            correction = services.announcement_correct(
                announcement=announcement, by=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, error_text(exc))
        else:
            messages.success(request, _("The correction is being sent to those who got it."))
            return redirect("announcement_detail", pk=correction.pk)
    return render(
        request,
        "announcements/correction_form.html",
        {"form": form, "announcement": announcement},
    )


@staff_required
def group_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    can_write = bool(village_roles(request) & WRITER_ROLES) or request.user.is_superuser
    form = GroupForm(request.POST or None, village=village)
    if request.method == "POST":
        if not can_write:
            return HttpResponse(status=403)
        if form.is_valid():
            try:
                services.group_save(village=village, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error("name", error_text(exc))
            else:
                messages.success(request, _("The group is saved."))
                return redirect("announcement_group_list")
    groups = Group.objects.filter(village=village).prefetch_related("members")
    return render(
        request,
        "announcements/group_list.html",
        {"groups": groups, "form": form, "can_write": can_write},
    )


@login_required
def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Rename a group, change its kind or its members (village heads and officers)."""
    group = access_group(user=request.user, pk=pk)
    initial = {"name": group.name, "kind": group.kind, "members": list(group.members.all())}
    form = GroupForm(request.POST or None, village=group.village, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.group_save(village=group.village, group=group, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error("name", error_text(exc))
        else:
            messages.success(request, _("The group is saved."))
            return redirect("announcement_group_list")
    status = 400 if request.method == "POST" else 200
    return render(
        request, "announcements/group_edit.html", {"group": group, "form": form}, status=status
    )


@login_required
@require_POST
def group_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Remove a group no announcement was addressed to; one in use is kept for the record."""
    group = access_group(user=request.user, pk=pk)
    try:
        services.group_delete(group=group)
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(request, _("The group was removed."))
    return redirect("announcement_group_list")


@staff_required
def speaker_list(request: HttpRequest) -> HttpResponse:
    village = current_village(request)
    can_write = bool(village_roles(request) & WRITER_ROLES) or request.user.is_superuser
    form = SpeakerClusterForm(request.POST or None, village=village)
    new_key = None
    if request.method == "POST":
        if not can_write:
            return HttpResponse(status=403)
        if form.is_valid():
            _cluster, new_key = speakers.cluster_create(
                village=village, name=form.cleaned_data["name"], lanes=form.cleaned_data["lanes"]
            )
            form = SpeakerClusterForm(village=village)
    clusters = SpeakerCluster.objects.filter(village=village).prefetch_related("lanes")
    return render(
        request,
        "announcements/speaker_list.html",
        {"clusters": clusters, "form": form, "can_write": can_write, "new_key": new_key},
    )


# Loudspeaker devices and gateways -------------------------------------------------------------


def _cluster(request: HttpRequest) -> SpeakerCluster | None:
    header = request.headers.get("Authorization", "")
    key = header[7:].strip() if header.startswith("Bearer ") else ""
    return speakers.cluster_by_key(key)


def _refused() -> JsonResponse:
    return JsonResponse({"error": "invalid key"}, status=401)


@require_GET
def speaker_playlist(request: HttpRequest) -> JsonResponse:
    cluster = _cluster(request)
    if cluster is None:
        return _refused()
    items = [
        {
            "id": item.pk,
            "title": item.announcement.title,
            "kind": item.announcement.kind,
            "text": speakers.speech_text(item.announcement),
            "audio": (
                request.build_absolute_uri(reverse("announcement_speaker_audio", args=[item.pk]))
                if item.audio
                else None
            ),
            "play_at": item.play_at.isoformat(),
        }
        for item in speakers.playlist(cluster=cluster)
    ]
    return JsonResponse({"cluster": cluster.name, "items": items})


@require_GET
def speaker_audio(request: HttpRequest, pk: int) -> HttpResponse:
    """An item's audio, for the cluster it is scheduled on (the same key as the playlist)."""
    cluster = _cluster(request)
    if cluster is None:
        return _refused()
    item = get_object_or_404(cluster.items.exclude(audio=""), pk=pk)
    return FileResponse(item.audio.open("rb"), content_type="audio/wav")


def _attachment(announcement: Announcement) -> FileResponse:
    if not announcement.attachment:
        raise Http404
    name = announcement.attachment.name.rsplit("/", 1)[-1]
    # Images were re-encoded on upload and show in the browser; anything else (PDF) is a
    # download, never a page of ours.
    image = name.lower().endswith(".jpg")
    response = FileResponse(
        announcement.attachment.open("rb"), filename=name, as_attachment=not image
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    return response


@staff_required
@require_GET
def announcement_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    """The attachment of any announcement of the village, for its staff."""
    return _attachment(access_object(Announcement.objects, user=request.user, pk=pk))


@csrf_exempt
@require_POST
def speaker_played(request: HttpRequest) -> JsonResponse:
    cluster = _cluster(request)
    if cluster is None:
        return _refused()
    try:
        payload = json.loads(request.body or b"{}")
        item = speakers.item_played(cluster=cluster, item_id=payload.get("item"))
    except (ValueError, AttributeError, ValidationError):
        return JsonResponse({"error": "unknown item"}, status=400)
    return JsonResponse({"item": item.pk, "played_at": item.played_at.isoformat()})


@csrf_exempt
@require_POST
def speaker_heartbeat(request: HttpRequest) -> JsonResponse:
    cluster = _cluster(request)
    if cluster is None:
        return _refused()
    speakers.heartbeat(cluster=cluster)
    return JsonResponse({"ok": True})


@csrf_exempt
@require_POST
def delivery_webhook(request: HttpRequest, channel: str) -> JsonResponse:
    """Delivery receipts from a gateway, signed with HMAC-SHA256 over the raw body."""
    if channel not in GATEWAYS or channel == Channel.PUSH:  # push receipts: push_receipt
        raise Http404
    if not signature_valid(channel, request.body, request.headers.get("X-Signature", "")):
        return JsonResponse({"error": "bad signature"}, status=403)
    try:
        payload = json.loads(request.body)
        services.delivery_receipt(channel=channel, payload=payload)
    except (ValueError, ValidationError) as exc:
        return JsonResponse({"error": str(getattr(exc, "message", "bad payload"))}, status=400)
    return JsonResponse({"ok": True})


# Public pages ----------------------------------------------------------------------------------


def _public_village(village_id: Any) -> Village:
    return get_object_or_404(Village.objects.current().select_related("commune"), pk=village_id)


@require_GET
def village_announcements(request: HttpRequest, village_id: Any) -> HttpResponse:
    village = _public_village(village_id)
    return render(
        request,
        "announcements/public_list.html",
        {"village": village, "announcements": selectors.public_announcements(village=village)[:50]},
    )


def _published(code: str) -> Announcement:
    return get_object_or_404(
        Announcement.objects.select_related("village"),
        public_code=code,
        is_public=True,
        status__in=[Announcement.Status.SENT, Announcement.Status.WITHDRAWN],
    )


@require_GET
def announcement_public(request: HttpRequest, code: str) -> HttpResponse:
    announcement = _published(code)
    if request.user.is_authenticated:
        # A signed-in resident of the village who opens the page counts as reached on the web.
        services.sighting_record(
            announcement=announcement,
            resident=getattr(request.user, "resident", None),
            via=Sighting.Via.PAGE,
        )
    expired = bool(announcement.cap_expires and announcement.cap_expires <= timezone.now())
    english = translation.get_language() == "en" and bool(announcement.title_en.strip())
    response = render(
        request,
        "announcements/public_detail.html",
        {"announcement": announcement, "expired": expired, "english": english},
    )
    if request.GET.get("via") == SHARE_VIA:
        _count_landing(request, response, announcement)
    return response


def _count_landing(
    request: HttpRequest, response: HttpResponse, announcement: Announcement
) -> None:
    """Count an opening through the shared link once per browser session (a cookie without an
    expiry date holds the codes already counted)."""
    seen = [c for c in request.COOKIES.get(SHARE_COOKIE, "").split(".") if c]
    if announcement.public_code in seen:
        return
    services.share_landing_record(announcement=announcement)
    seen = [*seen, announcement.public_code][-SHARE_COOKIE_CODES:]
    response.set_cookie(
        SHARE_COOKIE,
        ".".join(seen),
        secure=request.is_secure(),
        httponly=True,
        samesite="Lax",
    )


@require_GET
def announcement_public_attachment(request: HttpRequest, code: str) -> HttpResponse:
    """The attachment of a published public announcement, for everyone."""
    return _attachment(_published(code))


class VillageAnnouncementsFeed(Feed):
    """The public announcements of a village as an Atom feed (RFC 4287).

    Ids are the entries' and the feed's addresses on the configured ``PORTAL_BASE_URL``, so they
    stay the same whatever name the site is reached by; the author of the feed and of every
    entry is the village; an entry is updated when it was sent (a sent announcement is not
    edited, only withdrawn, and a withdrawn one leaves the feed).
    """

    feed_type = AtomFeed

    def get_object(self, request: HttpRequest, village_id: Any) -> Village:
        return _public_village(village_id)

    def title(self, village: Village) -> str:
        return _("Announcements of %(village)s") % {"village": village.name}

    def link(self, village: Village) -> str:
        return absolute_url(reverse("village_announcements", kwargs={"village_id": village.pk}))

    def feed_url(self, village: Village) -> str:
        return absolute_url(
            reverse("village_announcements_feed", kwargs={"village_id": village.pk})
        )

    def feed_guid(self, village: Village) -> str:
        return self.feed_url(village)

    def author_name(self, village: Village) -> str:
        return village.name

    def author_link(self, village: Village) -> str:
        return self.link(village)

    def subtitle(self, village: Village) -> str:
        return f"{village.name}, {village.commune.name}"

    def items(self, village: Village) -> Any:
        return selectors.public_announcements(village=village).select_related("village")[:30]

    def item_title(self, item: Announcement) -> str:
        return item.title

    def item_description(self, item: Announcement) -> str:
        return item.body

    def item_link(self, item: Announcement) -> str:
        return absolute_url(reverse("announcement_public", kwargs={"code": item.public_code}))

    def item_guid(self, item: Announcement) -> str:
        return self.item_link(item)

    def item_pubdate(self, item: Announcement) -> Any:
        return item.sent_at or item.created_at

    def item_updateddate(self, item: Announcement) -> Any:
        return item.sent_at or item.created_at

    def item_author_name(self, item: Announcement) -> str:
        return item.village.name

    def item_categories(self, item: Announcement) -> list[str]:
        return [str(item.get_kind_display())]


village_announcements_feed = VillageAnnouncementsFeed()


class CapAtomFeed(AtomFeed):
    """Each entry also links to its CAP message, typed, beside the page (RFC 4287 4.2.7.2)."""

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, item)
        handler.addQuickElement(
            "link",
            "",
            {"href": item["cap_link"], "rel": "alternate", "type": "application/cap+xml"},
        )


class VillageAlertsFeed(VillageAnnouncementsFeed):
    """The village's CAP 1.2 alerts in force, as an Atom feed whose entries point at each
    alert's CAP message (``application/cap+xml``), the way alert hubs read national feeds.

    Public by the Atom feed's rule; an expired, withdrawn or superseded alert leaves it at once
    (its Update or Cancel takes its place).
    """

    def title(self, village: Village) -> str:
        return _("Alerts of %(village)s (CAP 1.2)") % {"village": village.name}

    def feed_url(self, village: Village) -> str:
        return absolute_url(reverse("village_alerts_feed", kwargs={"village_id": village.pk}))

    def items(self, village: Village) -> Any:
        return selectors.current_cap_alerts(village=village)[:30]

    feed_type = CapAtomFeed

    def item_guid(self, item: Announcement) -> str:
        return absolute_url(reverse("announcement_cap", kwargs={"code": item.public_code}))

    def item_description(self, item: Announcement) -> str:
        return f"{cap.msg_type(item)} · {cap.severity(item)} · {item.body}"

    def item_updateddate(self, item: Announcement) -> Any:
        return cap.sent(item)

    def item_extra_kwargs(self, item: Announcement) -> dict[str, Any]:
        return {"cap_link": self.item_guid(item)}


village_alerts_feed = VillageAlertsFeed()


@require_GET
def announcement_cap(request: HttpRequest, code: str) -> HttpResponse:
    """One alert as a CAP 1.2 message, for a public alert of an urgent kind only."""
    announcement = selectors.cap_alert(code=code)
    if announcement is None:
        raise Http404
    return HttpResponse(cap.alert_xml(announcement), content_type=cap.CONTENT_TYPE)


# A resident's own feed -------------------------------------------------------------------------


@login_required
@require_GET
def my_announcements(request: HttpRequest) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    announcements = list(selectors.my_announcements(resident=resident)[:50])
    answers = {}
    if resident is not None:
        for announcement in announcements:
            services.announcement_read(announcement=announcement, resident=resident)
            services.sighting_record(
                announcement=announcement, resident=resident, via=Sighting.Via.FEED
            )
        answers = dict(
            Acknowledgement.objects.filter(resident=resident).values_list(
                "announcement_id", "answer"
            )
        )
    return render(
        request,
        "announcements/mine.html",
        {
            "announcements": announcements,
            "resident": resident,
            "answers": answers,
            "answer_choices": Acknowledgement.Answer.choices,
        },
    )


@login_required
@require_POST
def my_announcement_answer(request: HttpRequest, code: str) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    if resident is None:
        raise Http404
    announcement = get_object_or_404(
        selectors.my_announcements(resident=resident), public_code=code
    )
    try:
        services.acknowledgement_record(
            announcement=announcement, resident=resident, answer=request.POST.get("answer", "")
        )
        messages.success(request, _("Thank you, your answer is recorded."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("my_announcements")


def _push_context(request: HttpRequest) -> dict[str, Any]:
    from announcements.models import PushSubscription

    configured = channel_configured(Channel.PUSH)
    return {
        "push_configured": configured,
        "push_public_key": setting("WEBPUSH_VAPID_PUBLIC_KEY") if configured else "",
        "push_devices": PushSubscription.objects.filter(user=request.user).order_by("-created_at"),
    }


@login_required
def my_preferences(request: HttpRequest) -> HttpResponse:
    resident = getattr(request.user, "resident", None)
    if resident is None:
        raise Http404
    instance = Preference.objects.filter(resident=resident).first() or Preference(resident=resident)
    form = PreferenceForm(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        services.preference_save(
            resident=resident, **{k: form.cleaned_data[k] for k in PreferenceForm.Meta.fields}
        )
        messages.success(request, _("Your preferences are saved."))
        return redirect("my_preferences")
    return render(
        request, "announcements/preferences.html", {"form": form, **_push_context(request)}
    )


def _json_body(request: HttpRequest) -> Any:
    if len(request.body) > 4096:
        raise ValidationError(_("The browser sent a subscription that cannot be read."))
    try:
        return json.loads(request.body)
    except ValueError as exc:
        raise ValidationError(_("The browser sent a subscription that cannot be read.")) from exc


@login_required
@require_http_methods(["POST", "DELETE"])
def my_push_subscription(request: HttpRequest) -> JsonResponse:
    """This device's push subscription: POST keeps it, DELETE forgets it (CSRF-checked)."""
    try:
        data = _json_body(request)
        if request.method == "DELETE":
            endpoint = data.get("endpoint") if isinstance(data, dict) else None
            services.push_subscription_delete(user=request.user, endpoint=endpoint)
            return JsonResponse({"ok": True, "message": _("Notifications on this phone are off.")})
        if not channel_configured(Channel.PUSH):
            raise ValidationError(_("Push notifications are not set up on this portal."))
        services.push_subscription_save(
            user=request.user, data=data, user_agent=request.headers.get("User-Agent", "")
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": error_text(exc)}, status=400)
    return JsonResponse({"ok": True, "message": _("Notifications on this phone are on.")})


@csrf_exempt
@require_POST
def push_receipt(request: HttpRequest) -> JsonResponse:
    """The service worker's receipt: a notification was shown or tapped (its token says which
    delivery; no session needed, since the phone's session may have ended)."""
    try:
        data = json.loads(request.body[:1024])
    except ValueError:
        data = None
    if not isinstance(data, dict):  # no token, nothing proven
        return JsonResponse({"error": "unknown receipt"}, status=403)
    delivery = services.push_receipt(token=data.get("token"), event=data.get("event"))
    if delivery is None:
        return JsonResponse({"error": "unknown receipt"}, status=403)
    return JsonResponse({"ok": True})


@csrf_exempt
@require_POST
def push_renew(request: HttpRequest) -> JsonResponse:
    """The service worker's new subscription after the push service changed it
    (``pushsubscriptionchange``): the old endpoint, known only to that device and to us, is
    its proof; no session or CSRF token exists inside a service worker."""
    try:
        data = json.loads(request.body[:4096])
    except ValueError:
        data = None
    if not isinstance(data, dict):  # no old endpoint, nothing proven
        return JsonResponse({"error": "unknown subscription"}, status=403)
    try:
        renewed = services.push_subscription_renew(
            old_endpoint=data.get("old_endpoint"), data=data.get("subscription")
        )
    except ValidationError as exc:
        return JsonResponse({"ok": False, "error": error_text(exc)}, status=400)
    if renewed is None:
        return JsonResponse({"error": "unknown subscription"}, status=403)
    return JsonResponse({"ok": True})


@require_GET
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, at the site's root so that its scope covers every page."""
    configured = channel_configured(Channel.PUSH)
    response = render(
        request,
        "announcements/sw.js",
        {
            "push_public_key": setting("WEBPUSH_VAPID_PUBLIC_KEY") if configured else "",
            "default_title": _("Smart village"),
        },
        content_type="text/javascript",
    )
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/"
    return response
