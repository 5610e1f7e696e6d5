from tests.browser.conftest import browser, page

__all__ = ["browser", "page"]
