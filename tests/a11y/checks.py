"""What the accessibility tests measure in the browser: focus rings, reflow, contrast."""

from __future__ import annotations

import re

# The focused element's outline and the opaque background it is drawn on
# (the nearest ancestor with one: the outline sits outside the element).
FOCUS_RING = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) return null;
  const opaque = (node) => {
    for (; node; node = node.parentElement) {
      const bg = getComputedStyle(node).backgroundColor;
      const clear = /transparent/.test(bg) || /^rgba\\(.*, 0(\\.\\d+)?\\)$/.test(bg)
        || / \\/ 0(\\.\\d+)?\\)$/.test(bg);
      if (bg && !clear) return bg;
    }
    return getComputedStyle(document.documentElement).backgroundColor;
  };
  const style = getComputedStyle(el);
  return {
    what: el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + ' '
      + (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40),
    style: style.outlineStyle, width: parseFloat(style.outlineWidth) || 0,
    color: style.outlineColor, background: opaque(el.parentElement),
  };
}"""


def rgb(css: str) -> tuple[float, float, float]:
    """An rgb()/rgba()/color(srgb …) value as 0–255 channels."""
    if css.startswith("color(srgb"):
        parts = re.findall(r"[\d.]+", css.split("/")[0])
        return tuple(float(p) * 255 for p in parts[:3])  # type: ignore[return-value]
    parts = re.findall(r"[\d.]+", css)
    return float(parts[0]), float(parts[1]), float(parts[2])


def luminance(color: tuple[float, float, float]) -> float:
    def channel(value: float) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in color)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    la, lb = sorted((luminance(rgb(a)), luminance(rgb(b))), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def focus_rings(page, *, max_tabs: int = 80) -> list[str]:
    """Tab through the page; every control reached must show a ring of ≥ 2 px at ≥ 3:1.
    Returns what falls short, one line each."""
    problems: list[str] = []
    page.locator("body").focus() if page.locator("body").count() else None
    page.evaluate(
        "() => { document.activeElement && document.activeElement.blur(); window.scrollTo(0, 0); }"
    )
    seen: set[str] = set()
    for _ in range(max_tabs):
        page.keyboard.press("Tab")
        ring = page.evaluate(FOCUS_RING)
        if ring is None:
            break
        key = ring["what"]
        if key in seen:
            break  # back to the start: every control was reached
        seen.add(key)
        if ring["style"] == "none" or ring["width"] < 2:
            problems.append(f"{key}: no focus outline ({ring['style']} {ring['width']}px)")
            continue
        ratio = contrast(ring["color"], ring["background"])
        if ratio < 3:
            problems.append(
                f"{key}: focus ring {ratio:.2f}:1 ({ring['color']} on {ring['background']})"
            )
    return problems


def scrolls_sideways(page) -> bool:
    return page.evaluate(
        "() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1"
    )
