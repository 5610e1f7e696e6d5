"""Routes of the app, mounted at the site root by villageportal/urls.py."""

urlpatterns: list = []
