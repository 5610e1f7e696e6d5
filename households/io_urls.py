"""Import and export of the registry (spreadsheets)."""

urlpatterns: list = []
