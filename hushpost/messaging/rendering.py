"""Liquid templates for messages: save-time validation and rendering.

A template is checked when it is saved (R1.6): syntax errors come back with
line and column, every field it names must exist, every filter must be known,
and a trial render with sample values must succeed. So a template that saved
can always render: every field it may name is always present in the context
(an empty string when a contact has no value).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from liquid import Environment, StrictUndefined
from liquid.exceptions import LiquidError, LiquidSyntaxError


class _MessageEnvironment(Environment):
    # Bounds so a template can't make a server spin or fill memory.
    loop_iteration_limit = 1000
    output_stream_limit = 100_000
    local_namespace_limit = 10_000
    context_depth_limit = 20


_env = _MessageEnvironment(undefined=StrictUndefined, autoescape=False)
_html_env = _MessageEnvironment(undefined=StrictUndefined, autoescape=True)


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
        context: dict[str, object] = {obj: {attr: "sample" for attr in attrs} for obj, attrs in self.objects.items()}
        context.update({name: "https://example.invalid/s/sample" for name in self.scalars})
        return context


def _line_column(source: str, index: int) -> tuple[int, int]:
    before = source[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return line, column


def _syntax_problem(source: str, error: LiquidError) -> Problem:
    token = getattr(error, "token", None)
    message = getattr(error, "message", None) or str(error).splitlines()[0]
    if token is not None and getattr(token, "start_index", None) is not None:
        return Problem(message, *_line_column(source, token.start_index))
    return Problem(message)


def _dotted(segments: Iterable[object]) -> str:
    return ".".join(str(s) for s in segments)


def problems_in(source: str, spec: FieldSpec, *, required: Iterable[str] = ()) -> list[Problem]:
    """Everything wrong with `source` for a template of this kind, in reading order."""
    try:
        template = _env.from_string(source)
    except LiquidSyntaxError as error:
        return [_syntax_problem(source, error)]
    except LiquidError as error:
        return [_syntax_problem(source, error)]

    problems: list[tuple[int, Problem]] = []
    analysis = template.analyze()
    used: set[str] = set()
    for variables in analysis.globals.values():
        for variable in variables:
            segments = [str(s) for s in variable.segments]
            used.add(segments[0])
            known = _is_known(segments, spec)
            if not known:
                line, column = _line_column(source, variable.span.index)
                problems.append(
                    (variable.span.index, Problem(f"unknown field {_dotted(segments)}", line, column))
                )
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
            template.render(**spec.sample_context())
        except LiquidError as error:
            result.append(_syntax_problem(source, error))
    return result


def _is_known(segments: list[str], spec: FieldSpec) -> bool:
    root = segments[0]
    if root in spec.scalars:
        return len(segments) == 1
    if root in spec.objects:
        return len(segments) == 2 and segments[1] in spec.objects[root]
    return False


def validate(source: str, spec: FieldSpec, *, required: Iterable[str] = ()) -> None:
    problems = problems_in(source, spec, required=required)
    if problems:
        raise TemplateInvalid(problems)


def render(source: str, context: Mapping[str, object], *, html: bool = False) -> str:
    """Render a template that passed validation. Raises TemplateInvalid if it no longer can."""
    env = _html_env if html else _env
    try:
        return env.from_string(source).render(**context)
    except LiquidError as error:
        raise TemplateInvalid([_syntax_problem(source, error)]) from error
