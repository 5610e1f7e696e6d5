"""Every URL pattern of the project, flattened, for the access-matrix test."""

from dataclasses import dataclass

from django.urls import URLPattern, URLResolver, get_resolver


@dataclass(frozen=True)
class FoundRoute:
    key: str  # "namespace:name", or the full pattern when the route has no name
    name: str | None
    pattern: str
    params: tuple[str, ...]
    module: str = ""  # where the view is defined: tells a library's route from one of ours


def _params(pattern: object) -> tuple[str, ...]:
    regex = pattern.regex  # type: ignore[attr-defined]
    return tuple(regex.groupindex)


def walk(resolvers: list | None = None, prefix: str = "", namespace: str = "") -> list[FoundRoute]:
    found: list[FoundRoute] = []
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            ns = namespace
            if entry.namespace:
                ns = f"{namespace}{entry.namespace}:"
            found += walk(entry.url_patterns, text, ns)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else None
            params = tuple(_params(entry.pattern))
            view = getattr(entry.callback, "view_class", entry.callback)
            found.append(
                FoundRoute(
                    key=name or text,
                    name=name,
                    pattern=text,
                    params=params,
                    module=getattr(view, "__module__", ""),
                )
            )
    return found
