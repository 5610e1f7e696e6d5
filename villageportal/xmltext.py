"""XML that is well formed whatever the database holds.

XML 1.0 allows only tab, newline, carriage return and the characters from U+0020 up, less the
surrogates and U+FFFE/U+FFFF (section 2.2, production ``Char``). Text that reaches an XML
document the portal writes (the Atom feed, Open311, spreadsheets) passes through ``xml_text``,
which leaves out every other character, so no stored value can make a document malformed.
"""

import re
from typing import Any

from django.utils.xmlutils import SimplerXMLGenerator

ILLEGAL_XML_CHARACTERS = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(value: Any) -> str:
    """``value`` as text with the characters XML 1.0 forbids left out."""
    return ILLEGAL_XML_CHARACTERS.sub("", str(value))


class XMLWriter(SimplerXMLGenerator):
    """Django's SAX writer, which refuses control characters, made to leave them out instead:
    element text and attribute values alike."""

    def characters(self, content: str) -> None:
        super().characters(xml_text(content) if content else content)

    def startElement(self, name: str, attrs: Any) -> None:
        super().startElement(name, {key: xml_text(value) for key, value in (attrs or {}).items()})
