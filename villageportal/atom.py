"""Atom feeds by RFC 4287, on top of Django's syndication framework.

Django's ``Atom1Feed`` declares every summary as HTML (``type="html"``) and refuses control
characters with an exception. ``AtomFeed`` writes summaries as plain text (``type="text"``),
which is what the portal's announcements are, and writes through ``XMLWriter``, which leaves
out the characters XML 1.0 forbids, so that a feed is well formed whatever is stored.
"""

from typing import Any

from django.conf import settings
from django.utils.feedgenerator import Atom1Feed

from villageportal.xmltext import XMLWriter


def absolute_url(path: str) -> str:
    """``path`` on the portal's configured public address, never the request's Host header:
    what identifies a feed or an entry does not change with the name the site is reached by."""
    return settings.PORTAL_BASE_URL.rstrip("/") + path


class AtomFeed(Atom1Feed):
    def write(self, outfile: Any, encoding: str) -> None:
        handler = XMLWriter(outfile, encoding, short_empty_elements=True)
        handler.startDocument()
        handler.startElement("feed", self.root_attributes())
        self.add_root_elements(handler)
        self.write_items(handler)
        handler.endElement("feed")

    def add_item_elements(self, handler: Any, item: dict[str, Any]) -> None:
        super().add_item_elements(handler, {**item, "description": None})
        if item["description"] is not None:
            handler.addQuickElement("summary", item["description"], {"type": "text"})
