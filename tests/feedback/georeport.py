"""A GeoReport v2 client written from the specification (wiki.open311.org/GeoReport_v2 and
its Service Discovery page), not from the portal's code.

It speaks both formats. XML is parsed strictly (expat: a malformed document is an exception)
and every document is checked against the shapes the specification gives: the root and item
element names, the fields each item has and nothing else, booleans, W3C date-times with a
time zone, and the ``errors`` body with a code equal to the HTTP status. What it returns is
the same for both formats (every value as the text XML would carry), so a test can ask the
same question in XML and in JSON and compare.
"""

import json
import re
from dataclasses import dataclass
from typing import Any
from xml.etree import ElementTree as ET

from django.test import Client

# The fields of each object, as the specification lists them.
SERVICE = {
    "service_code",
    "service_name",
    "description",
    "metadata",
    "type",
    "keywords",
    "group",
}
ATTRIBUTE = {
    "variable",
    "code",
    "datatype",
    "required",
    "datatype_description",
    "order",
    "description",
}
DATATYPES = {"string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"}
REQUEST = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
CREATED = {"service_notice", "account_id"}  # plus exactly one of service_request_id, token
TOKEN = {"service_request_id", "token"}
ERROR = {"code", "description"}
DISCOVERY = {"changeset", "contact", "key_service", "endpoints"}
ENDPOINT = {"specification", "url", "changeset", "type", "formats"}
# "A common subset of ISO 8601 as per the w3 note", the time zone included.
W3C_DATETIME = re.compile(
    r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})"
)
CONTENT_TYPES = {"xml": "text/xml", "json": "application/json"}


class Nonconformance(AssertionError):
    pass


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise Nonconformance(message)


def _as_text(value: Any) -> Any:
    """A JSON value as XML carries it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return [_as_text(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_text(v) for k, v in value.items()}
    return str(value)


def _leaf(element: ET.Element) -> str:
    _check(len(element) == 0, f"<{element.tag}> should hold text, not elements")
    return element.text or ""


def _object(element: ET.Element, lists: dict[str, str]) -> dict[str, Any]:
    """An XML item as a dict; ``lists`` names the elements that hold repeated children."""
    found: dict[str, Any] = {}
    for child in element:
        _check(child.tag not in found, f"<{element.tag}> repeats <{child.tag}>")
        if child.tag in lists:
            item = lists[child.tag]
            values = []
            for grandchild in child:
                _check(grandchild.tag == item, f"<{child.tag}> holds <{grandchild.tag}>")
                values.append(_object(grandchild, lists) if len(grandchild) else _leaf(grandchild))
            found[child.tag] = values
        else:
            found[child.tag] = _leaf(child)
    return found


def _fields(item: dict[str, Any], expected: set[str], what: str) -> None:
    _check(set(item) == expected, f"{what} has {sorted(set(item) ^ expected)} wrong")


def _boolean(value: str, what: str) -> None:
    _check(value in ("true", "false"), f"{what} is {value!r}, not true or false")


def _datetime(value: str, what: str, *, optional: bool = False) -> None:
    if optional and value == "":
        return
    _check(bool(W3C_DATETIME.fullmatch(value)), f"{what} {value!r} is not a W3C date-time")


@dataclass
class Answer:
    status: int
    body: Any  # the checked content, the same for XML and JSON
    raw: bytes


class GeoReportClient:
    def __init__(self, http: Client, base: str = "/open311/v2") -> None:
        self.http = http
        self.base = base.rstrip("/")

    # transport -------------------------------------------------------------------------------

    def _parse(self, response: Any, fmt: str, root: str, item: str | None, lists: dict) -> Any:
        _check(
            response["Content-Type"].split(";")[0].strip() == CONTENT_TYPES[fmt],
            f"Content-Type {response['Content-Type']!r} for {fmt}",
        )
        _check("utf-8" in response["Content-Type"].lower(), "the charset must be UTF-8")
        if fmt == "json":
            return _as_text(json.loads(response.content.decode("utf-8")))
        text = response.content.decode("utf-8")
        _check(
            text.startswith('<?xml version="1.0" encoding="UTF-8"?>'),
            "the root element must be preceded by the XML declaration with encoding UTF-8",
        )
        document = ET.fromstring(response.content)  # noqa: S314 - strict: malformed raises
        _check(document.tag == root, f"root <{document.tag}>, expected <{root}>")
        if item is None:
            return _object(document, lists)
        rows = []
        for child in document:
            _check(child.tag == item, f"<{root}> holds <{child.tag}>, expected <{item}>")
            rows.append(_object(child, lists))
        return rows

    def _answer(self, response: Any, fmt: str, root: str, item: str | None, lists: dict) -> Answer:
        if response.status_code >= 400:
            body = self._parse(response, fmt, "errors", "error", {})
            _check(isinstance(body, list) and len(body) >= 1, "an error body lists errors")
            for error in body:
                _fields(error, ERROR, "error")
                _check(error["code"] == str(response.status_code), "error code != HTTP status")
                _check(bool(error["description"].strip()), "an error needs a description")
            return Answer(response.status_code, body, response.content)
        return Answer(
            response.status_code, self._parse(response, fmt, root, item, lists), response.content
        )

    def _get(self, path: str, fmt: str, params: dict[str, Any]) -> Any:
        return self.http.get(f"{self.base}/{path}.{fmt}", params)

    # the six methods, tokens and discovery ---------------------------------------------------

    def discovery(self, fmt: str) -> Answer:
        answer = self._answer(
            self._get("discovery", fmt, {}),
            fmt,
            "discovery",
            None,
            {"endpoints": "endpoint", "formats": "format"},
        )
        if answer.status == 200:
            _fields(answer.body, DISCOVERY, "discovery")
            _datetime(answer.body["changeset"], "changeset")
            for endpoint in answer.body["endpoints"]:
                _fields(endpoint, ENDPOINT, "endpoint")
                _datetime(endpoint["changeset"], "endpoint changeset")
                _check(endpoint["type"] in ("production", "test"), "endpoint type")
                for media_type in endpoint["formats"]:
                    _check(media_type in ("text/xml", "application/json"), media_type)
        return answer

    def services(self, fmt: str, **params: Any) -> Answer:
        answer = self._answer(self._get("services", fmt, params), fmt, "services", "service", {})
        if answer.status == 200:
            for service in answer.body:
                _fields(service, SERVICE, "service")
                _boolean(service["metadata"], "metadata")
                _check(service["type"] in ("realtime", "batch", "blackbox"), "service type")
        return answer

    def service_definition(self, fmt: str, code: str, **params: Any) -> Answer:
        answer = self._answer(
            self._get(f"services/{code}", fmt, params),
            fmt,
            "service_definition",
            None,
            {"attributes": "attribute", "values": "value"},
        )
        if answer.status == 200:
            _check(set(answer.body) == {"service_code", "attributes"}, "service_definition")
            for attribute in answer.body["attributes"]:
                _fields(attribute, ATTRIBUTE | ({"values"} & set(attribute)), "attribute")
                _boolean(attribute["variable"], "variable")
                _boolean(attribute["required"], "required")
                _check(attribute["datatype"] in DATATYPES, "datatype")
                _check(attribute["order"].isdigit(), "order is a number")
        return answer

    def _requests(self, response: Any, fmt: str) -> Answer:
        answer = self._answer(response, fmt, "service_requests", "request", {})
        if answer.status == 200:
            for request in answer.body:
                _fields(request, REQUEST, "request")
                _check(request["status"] in ("open", "closed"), "status")
                _datetime(request["requested_datetime"], "requested_datetime")
                _datetime(request["updated_datetime"], "updated_datetime", optional=True)
                _datetime(request["expected_datetime"], "expected_datetime", optional=True)
                for name in ("lat", "long"):
                    if request[name]:
                        float(request[name])
        return answer

    def requests(self, fmt: str, **params: Any) -> Answer:
        return self._requests(self._get("requests", fmt, params), fmt)

    def request(self, fmt: str, request_id: str, **params: Any) -> Answer:
        return self._requests(self._get(f"requests/{request_id}", fmt, params), fmt)

    def token(self, fmt: str, token: str, **params: Any) -> Answer:
        answer = self._answer(
            self._get(f"tokens/{token}", fmt, params), fmt, "service_requests", "request", {}
        )
        if answer.status == 200:
            for row in answer.body:
                _fields(row, TOKEN, "token answer")
        return answer

    def create(self, fmt: str, data: dict[str, Any], files: dict[str, Any] | None = None) -> Answer:
        response = self.http.post(f"{self.base}/requests.{fmt}", {**data, **(files or {})})
        answer = self._answer(response, fmt, "service_requests", "request", {})
        if answer.status < 400:
            _check(answer.status in (200, 201), f"POST answered {answer.status}")
            for row in answer.body:
                ids = {"service_request_id", "token"} & set(row)
                _check(len(ids) == 1, "a POST returns service_request_id or token, not both")
                _fields(row, CREATED | ids, "created request")
                _check(bool(row[ids.pop()]), "the id or token is empty")
        return answer
