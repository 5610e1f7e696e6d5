"""Routes of the app, mounted at the site root by villageportal/urls.py."""

from django.urls import path

from announcements import callbacks, views

urlpatterns = [
    path("announcements/manage/", views.announcement_list, name="announcement_list"),
    path("announcements/manage/unknown/", views.unknown_list, name="announcement_unknown_list"),
    path(
        "announcements/manage/unknown/settle/",
        views.unknown_settle,
        name="announcement_unknown_settle",
    ),
    path("announcements/manage/new/", views.announcement_create, name="announcement_create"),
    path(
        "announcements/manage/audience/",
        views.announcement_audience,
        name="announcement_audience",
    ),
    path("announcements/manage/<int:pk>/", views.announcement_detail, name="announcement_detail"),
    path("announcements/manage/<int:pk>/edit/", views.announcement_edit, name="announcement_edit"),
    path(
        "announcements/manage/<int:pk>/confirm/",
        views.announcement_confirm,
        name="announcement_confirm",
    ),
    path(
        "announcements/manage/<int:pk>/speech.wav",
        views.announcement_speech,
        name="announcement_speech",
    ),
    path(
        "announcements/manage/<int:pk>/send/",
        views.announcement_submit,
        name="announcement_submit",
    ),
    path(
        "announcements/manage/<int:pk>/approve/",
        views.announcement_approve,
        name="announcement_approve",
    ),
    path(
        "announcements/manage/<int:pk>/withdraw/",
        views.announcement_withdraw,
        name="announcement_withdraw",
    ),
    path(
        "announcements/manage/<int:pk>/correct/",
        views.announcement_correct,
        name="announcement_correct",
    ),
    path(
        "announcements/manage/<int:pk>/share/",
        views.announcement_share,
        name="announcement_share",
    ),
    path("announcements/groups/", views.group_list, name="announcement_group_list"),
    path("announcements/groups/<int:pk>/edit/", views.group_edit, name="announcement_group_edit"),
    path(
        "announcements/groups/<int:pk>/delete/",
        views.group_delete,
        name="announcement_group_delete",
    ),
    path("announcements/speakers/", views.speaker_list, name="announcement_speaker_list"),
    path(
        "announcements/speakers/api/playlist/",
        views.speaker_playlist,
        name="announcement_speaker_playlist",
    ),
    path(
        "announcements/speakers/api/played/",
        views.speaker_played,
        name="announcement_speaker_played",
    ),
    path(
        "announcements/speakers/api/heartbeat/",
        views.speaker_heartbeat,
        name="announcement_speaker_heartbeat",
    ),
    path(
        "announcements/callbacks/esms/<str:signature>/",
        callbacks.esms_callback,
        name="announcement_esms_callback",
    ),
    path(
        "announcements/webhooks/<str:channel>/",
        views.delivery_webhook,
        name="announcement_webhook",
    ),
    path(
        "announcements/village/<uuid:village_id>/",
        views.village_announcements,
        name="village_announcements",
    ),
    path(
        "announcements/village/<uuid:village_id>/feed/",
        views.village_announcements_feed,
        name="village_announcements_feed",
    ),
    path(
        "announcements/village/<uuid:village_id>/alerts/",
        views.village_alerts_feed,
        name="village_alerts_feed",
    ),
    path("announcements/a/<str:code>/", views.announcement_public, name="announcement_public"),
    path("announcements/a/<str:code>/cap.xml", views.announcement_cap, name="announcement_cap"),
    path(
        "announcements/a/<str:code>/attachment/",
        views.announcement_public_attachment,
        name="announcement_public_attachment",
    ),
    path(
        "announcements/manage/<int:pk>/attachment/",
        views.announcement_attachment,
        name="announcement_attachment",
    ),
    path(
        "announcements/speakers/api/audio/<int:pk>/",
        views.speaker_audio,
        name="announcement_speaker_audio",
    ),
    path("announcements/mine/", views.my_announcements, name="my_announcements"),
    path(
        "announcements/mine/preferences/",
        views.my_preferences,
        name="my_preferences",
    ),
    path("announcements/mine/push/", views.my_push_subscription, name="my_push_subscription"),
    path("announcements/push/receipt/", views.push_receipt, name="announcement_push_receipt"),
    path("announcements/push/renew/", views.push_renew, name="announcement_push_renew"),
    path("sw.js", views.service_worker, name="service_worker"),
    path(
        "announcements/mine/<str:code>/answer/",
        views.my_announcement_answer,
        name="my_announcement_answer",
    ),
]
