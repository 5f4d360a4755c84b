"""Refuse API input text that no database can store, before any handler runs.

A NUL character (`%00`, `\\u0000`) is refused by PostgreSQL text columns, and
JSON may carry lone surrogates (`\\ud800`) that are not valid Unicode at all;
either reached the database as a 500. Forms are covered by Django itself
(ProhibitNullCharactersValidator, UTF-8 decoding); the API parses JSON and
path segments on its own, so it gets one guard for all operations.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from hushpost.api.problems import invalid

API_PREFIX = "/api/"
NUL = "contains a NUL character (\\u0000), which can't be stored: remove it."
SURROGATE = "is not valid Unicode (an unpaired surrogate such as \\ud800): send UTF-8 text."


def problem_with(text: str) -> str | None:
    if "\x00" in text:
        return NUL
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return SURROGATE
    return None


def bad_values(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(field, message) for every string in a JSON value (keys included) that can't be stored."""
    if isinstance(value, str):
        message = problem_with(value)
        if message:
            yield where or "body", f"This value {message}"
    elif isinstance(value, dict):
        for key, item in value.items():
            field = f"{where}.{key}" if where else str(key)
            message = problem_with(str(key))
            if message:
                yield where or "body", f"A field name {message}"
                continue
            yield from bad_values(item, field)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from bad_values(item, f"{where}.{index}" if where else str(index))


def request_problems(request) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if problem_with(request.path):
        problems.append(("path", f"The address {problem_with(request.path)}"))
    for name, values in request.GET.lists():
        for text in (name, *values):
            message = problem_with(text)
            if message:
                problems.append(
                    (name if problem_with(name) is None else "query", f"This value {message}")
                )
                break
    if request.content_type == "application/json" and request.body:
        try:
            data = json.loads(request.body)
        except ValueError:
            return problems  # not JSON at all: the API's own parser answers that
        problems.extend(bad_values(data, ""))
    return problems


class ApiTextGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith(API_PREFIX):
            problems = request_problems(request)
            if problems:
                return invalid(problems)
        return self.get_response(request)
