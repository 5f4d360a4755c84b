"""Liquid templates for messages: save-time validation and rendering.

A template is checked when it is saved (R1.6): syntax errors come back with
line and column, every field it names must exist, every filter must be known,
and a trial render with sample values must succeed. So a template that saved
can always render: every field it may name is always present in the context
(an empty string when a contact has no value).
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from liquid import Environment, StrictUndefined
from liquid.exceptions import LiquidError, TemplateNotFoundError

from hushpost.messaging.template_dates import localized_date


class _MessageEnvironment(Environment):
    # Bounds so a template can't make a server spin or fill memory.
    loop_iteration_limit = 1000
    output_stream_limit = 100_000
    local_namespace_limit = 10_000
    context_depth_limit = 20


_env = _MessageEnvironment(undefined=StrictUndefined, autoescape=False)
_html_env = _MessageEnvironment(undefined=StrictUndefined, autoescape=True)
for _environment in (_env, _html_env):
    # Day and month names in the contact's language, "now" in the organization's zone.
    _environment.filters["date"] = localized_date


@dataclass(frozen=True)
class Problem:
    message: str
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        if self.line is None:
            return self.message
        return f"Line {self.line}, column {self.column}: {self.message}"


class TemplateInvalid(ValueError):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


@dataclass(frozen=True)
class FieldSpec:
    """The fields a kind of template may use.

    `objects` maps a name such as "contact" to the attribute names it has;
    `scalars` are names used on their own, such as "secure_link".
    """

    objects: Mapping[str, frozenset[str]] = field(default_factory=dict)
    scalars: frozenset[str] = frozenset()

    def names(self) -> list[str]:
        names = [f"{obj}.{attr}" for obj, attrs in self.objects.items() for attr in sorted(attrs)]
        return names + sorted(self.scalars)

    def sample_context(self) -> dict[str, object]:
        context: dict[str, object] = {
            obj: {attr: "sample" for attr in attrs} for obj, attrs in self.objects.items()
        }
        context.update({name: self.sample_value(name) for name in self.scalars})
        return context

    @staticmethod
    def sample_value(name: str) -> str:
        return f"https://example.invalid/s/sample-{name}"


def _line_column(source: str, index: int) -> tuple[int, int]:
    before = source[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return line, column


def _syntax_problem(source: str, error: LiquidError, message: str | None = None) -> Problem:
    token = getattr(error, "token", None)
    message = message or getattr(error, "message", None) or str(error).splitlines()[0]
    if token is not None and getattr(token, "start_index", None) is not None:
        return Problem(message, *_line_column(source, token.start_index))
    return Problem(message)


def _dotted(segments: Iterable[object]) -> str:
    # A lookup by another variable (custom[contact.name]) comes back as a nested
    # list of segments; show it the way it was written.
    text = ""
    for segment in segments:
        if isinstance(segment, (list, tuple)):
            text += f"[{_dotted(segment)}]"
        elif isinstance(segment, int):
            text += f"[{segment}]"
        else:
            text += f".{segment}" if text else str(segment)
    return text


def _suggestion(segments: list[object], spec: FieldSpec) -> str | None:
    """The field a typo most likely meant, so the message can name it."""
    names = [s for s in segments if isinstance(s, str)]
    if len(names) != len(segments):
        return None
    root = names[0]
    if len(names) == 2 and root in spec.objects:
        close = difflib.get_close_matches(names[1], sorted(spec.objects[root]), n=1, cutoff=0.6)
        return f"{root}.{close[0]}" if close else None
    close = difflib.get_close_matches(_dotted(segments), spec.names(), n=1, cutoff=0.75)
    return close[0] if close else None


def _unknown_field(segments: list[object], spec: FieldSpec) -> str:
    message = f"unknown field {_dotted(segments)}"
    close = _suggestion(segments, spec)
    return f"{message} (did you mean {close}?)" if close else message


def _parse(source: str):
    """The parsed template and its analysis, or the problem that stops either."""
    try:
        template = _env.from_string(source)
        # Analysis follows {% include %} and {% render %}, which message
        # templates can't use (there is nothing to include): it fails there.
        return template, template.analyze(), None
    except TemplateNotFoundError as error:
        return (
            None,
            None,
            _syntax_problem(source, error, "{% include %} and {% render %} can't be used here"),
        )
    except LiquidError as error:
        return None, None, _syntax_problem(source, error)


def fields_used(source: str) -> set[str]:
    """Every field a template names, dotted ("custom.pin"); empty if it doesn't parse."""
    _, analysis, _ = _parse(source)
    if analysis is None:
        return set()
    return {
        _dotted(variable.segments)
        for variables in analysis.globals.values()
        for variable in variables
    }


def problems_in(source: str, spec: FieldSpec, *, required: Iterable[str] = ()) -> list[Problem]:
    """Everything wrong with `source` for a template of this kind, in reading order."""
    template, analysis, problem = _parse(source)
    if problem is not None:
        return [problem]

    problems: list[tuple[int, Problem]] = []
    used: set[str] = set()
    for variables in analysis.globals.values():
        for variable in variables:
            segments = list(variable.segments)
            used.add(str(segments[0]))
            if not _is_known(segments, spec):
                line, column = _line_column(source, variable.span.index)
                message = _unknown_field(segments, spec)
                problems.append((variable.span.index, Problem(message, line, column)))
    for name, spans in analysis.filters.items():
        if name not in _env.filters:
            for span in spans:
                line, column = _line_column(source, span.index)
                problems.append((span.index, Problem(f"unknown filter {name}", line, column)))
    problems.sort(key=lambda item: item[0])
    result = [problem for _, problem in problems]

    for name in required:
        if name not in used:
            result.append(Problem(f"the template must contain {{{{ {name} }}}}"))

    if not result:
        try:
            output = template.render(**spec.sample_context())
        except LiquidError as error:
            result.append(_syntax_problem(source, error))
        else:
            # Named is not enough: a link inside {% if false %} or through a filter
            # would never reach the contact as a working link.
            for name in required:
                if name in spec.scalars and spec.sample_value(name) not in output:
                    result.append(
                        Problem(
                            f"{{{{ {name} }}}} must appear in the message as it is, "
                            "not hidden by a condition or changed by a filter"
                        )
                    )
    return result


def _is_known(segments: list[object], spec: FieldSpec) -> bool:
    root = segments[0]
    if not isinstance(root, str):
        return False
    if root in spec.scalars:
        return len(segments) == 1
    if root in spec.objects:
        # Only plain names: an index or a nested lookup can't be checked now.
        return (
            len(segments) == 2
            and isinstance(segments[1], str)
            and segments[1] in spec.objects[root]
        )
    return False


def validate(source: str, spec: FieldSpec, *, required: Iterable[str] = ()) -> None:
    problems = problems_in(source, spec, required=required)
    if problems:
        raise TemplateInvalid(problems)


@functools.lru_cache(maxsize=256)
def _parsed(source: str, html: bool):
    """A template parsed once: a batch renders the same few templates for every recipient
    (parsing cost as much as rendering). A parsed template keeps no state between renders."""
    return (_html_env if html else _env).from_string(source)


def render(source: str, context: Mapping[str, object], *, html: bool = False) -> str:
    """Render a template that passed validation. Raises TemplateInvalid if it no longer can."""
    try:
        return _parsed(source, html).render(**context)
    except LiquidError as error:
        raise TemplateInvalid([_syntax_problem(source, error)]) from error
