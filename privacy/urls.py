from django.urls import path

from privacy import views

urlpatterns = [
    path("privacy/register/", views.register_home, name="privacy_register_home"),
    path("privacy/communes/<int:pk>/register/", views.register, name="privacy_register"),
    path(
        "privacy/communes/<int:pk>/<str:document>.<str:fmt>",
        views.download,
        name="privacy_download",
    ),
]
