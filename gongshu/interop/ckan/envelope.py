"""CKAN's answer envelope and its errors, exactly as CKAN 2.10's action API writes them,
because clients (ckanapi among them) turn ``error.__type`` back into exceptions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, JsonResponse


class CkanError(Exception):
    """An error CKAN clients recognise: its ``__type``, HTTP status and error dict."""

    type_name = "Bad Request"
    status = 400

    def __init__(self, message: str = "", **fields: Any) -> None:
        super().__init__(message)
        self.message = message
        self.fields = fields

    def error(self) -> dict[str, Any]:
        body: dict[str, Any] = {"__type": self.type_name}
        if self.message:
            body["message"] = self.message
        body.update(self.fields)
        return body


class ValidationFailed(CkanError):
    """Field → [messages], as CKAN's ValidationError puts them in the error dict."""

    type_name = "Validation Error"
    status = 409

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__("", **errors)


class NotAuthorized(CkanError):
    type_name = "Authorization Error"
    status = 403


class NotFound(CkanError):
    type_name = "Not Found Error"
    status = 404


class SearchQueryError(CkanError):
    type_name = "Search Query Error"
    status = 400


class BadRequest(CkanError):
    type_name = "Bad Request"
    status = 400


def help_url(request: HttpRequest, action: str) -> str:
    return request.build_absolute_uri(f"/api/3/action/help_show?name={action}")


def success(request: HttpRequest, action: str, result: Any) -> JsonResponse:
    return JsonResponse(
        {"help": help_url(request, action), "success": True, "result": result},
        json_dumps_params={"ensure_ascii": False},
    )


def failure(request: HttpRequest, action: str, error: CkanError) -> JsonResponse:
    return JsonResponse(
        {"help": help_url(request, action), "success": False, "error": error.error()},
        status=error.status,
        json_dumps_params={"ensure_ascii": False},
    )
