from django.urls import path

from households import registry_views as views

urlpatterns = [
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_create, name="household_create"),
    path("households/map/", views.household_map, name="household_map"),
    path("households/<int:pk>/", views.household_detail, name="household_detail"),
    path("households/<int:pk>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:pk>/status/", views.household_status, name="household_status"),
    path("households/<int:pk>/consent/", views.household_consent, name="household_consent"),
    path("households/<int:pk>/delete/", views.household_delete, name="household_delete"),
    path("households/<int:pk>/head/", views.household_change_head, name="household_change_head"),
    path("households/<int:pk>/split/", views.household_split, name="household_split"),
    path("households/<int:pk>/merge/", views.household_merge, name="household_merge"),
    path("households/<int:pk>/open/", views.household_open, name="household_open"),
    path("households/<int:pk>/residents/new/", views.resident_add, name="resident_add"),
    path("residents/<int:pk>/edit/", views.resident_edit, name="resident_edit"),
    path("residents/<int:pk>/leave/", views.resident_leave, name="resident_leave"),
    path("residents/<int:pk>/move/", views.resident_move, name="resident_move"),
    path("residents/<int:pk>/delete/", views.resident_delete, name="resident_delete"),
    path("lanes/", views.lane_list, name="lane_list"),
    path("lanes/new/", views.lane_create, name="lane_create"),
    path("lanes/<int:pk>/rename/", views.lane_rename, name="lane_rename"),
    path("lanes/<int:pk>/edit/", views.lane_edit, name="lane_edit"),
]
