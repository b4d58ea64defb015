"""Accessibility basics measured in the rendered page (computed styles, not the HTML source):
the language, heading levels, text alternatives of images and SVGs, and text contrast
(WCAG 2.x relative luminance; 4.5:1 for body text, 3:1 for large text)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from playwright.sync_api import Page

# Every visible element with text of its own: its colour (SVG text: its fill) and the first
# opaque background behind it (up the ancestors; the canvas is white), its size and weight.
_TEXTS = """() => {
  const out = [];
  const opaque = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const bg = getComputedStyle(e).backgroundColor;
      const m = bg.match(/[\\d.]+/g);
      if (m && (m.length < 4 || parseFloat(m[3]) > 0)) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  for (const el of document.body.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length) continue;
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    if (style.visibility === 'hidden' || style.display === 'none' || !box.width) continue;
    const svgText = el instanceof SVGElement;
    out.push({
      text: own.map(n => n.textContent.trim()).join(' ').slice(0, 60),
      tag: el.tagName.toLowerCase(),
      color: svgText ? style.fill : style.color,
      background: svgText ? 'rgb(255, 255, 255)' : opaque(el),
      size: parseFloat(style.fontSize),
      weight: parseInt(style.fontWeight, 10),
    });
  }
  return out;
}"""

_HEADINGS = """() => [...document.querySelectorAll('h1, h2, h3, h4, h5, h6')]
  .map(h => ({level: parseInt(h.tagName[1], 10), text: h.textContent.trim().slice(0, 40)}))"""

# Images and SVGs that are not hidden from assistive technology, and their text alternative.
_PICTURES = """() => [...document.querySelectorAll('img, svg')]
  .filter(el => !el.closest('[aria-hidden="true"]') && el.getAttribute('role') !== 'presentation'
                && !(el instanceof SVGElement && el.ownerSVGElement))
  .map(el => ({
    tag: el.tagName.toLowerCase(),
    name: (el.getAttribute('alt') || el.getAttribute('aria-label') ||
           (el.querySelector(':scope > title') || {}).textContent || '').trim(),
    visible: el.getBoundingClientRect().width > 0,
  }))"""


def _channel(value: float) -> float:
    value /= 255
    return value / 12.92 if value <= 0.03928 else ((value + 0.055) / 1.055) ** 2.4


def _luminance(css: str) -> float:
    numbers = css[css.index("(") + 1 : css.index(")")].replace("/", " ").replace(",", " ").split()
    red, green, blue = (float(n) for n in numbers[:3])
    return 0.2126 * _channel(red) + 0.7152 * _channel(green) + 0.0722 * _channel(blue)


def contrast(foreground: str, background: str) -> float:
    """The WCAG contrast ratio of two CSS rgb()/rgba() colours (1 to 21)."""
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class TextContrast:
    text: str
    tag: str
    ratio: float
    needed: float


def text_contrasts(page: Page) -> list[TextContrast]:
    """Every visible text's contrast and the ratio it needs (large: ≥ 24 px, or ≥ 18.66 px
    bold, needs 3:1; the rest 4.5:1)."""
    found: list[dict[str, Any]] = page.evaluate(_TEXTS)
    out = []
    for item in found:
        large = item["size"] >= 24 or (item["size"] >= 18.66 and item["weight"] >= 700)
        ratio = contrast(item["color"], item["background"])
        out.append(TextContrast(item["text"], item["tag"], round(ratio, 2), 3.0 if large else 4.5))
    return out


def problems(page: Page, lang: str = "zh-CN") -> list[str]:
    """What the page gets wrong of the basics (empty when it passes); `lang` is the language
    the page is expected to declare (en for the English pages of the service hall)."""
    found = []
    declared = page.evaluate("() => document.documentElement.lang")
    if declared != lang:
        found.append(f"<html lang> is {declared!r}, not {lang}")
    headings: list[dict[str, Any]] = page.evaluate(_HEADINGS)
    if not headings or headings[0]["level"] != 1:
        found.append(f"the first heading is not an h1: {headings[:1]}")
    for before, after in zip(headings, headings[1:], strict=False):
        if after["level"] > before["level"] + 1:
            found.append(f"heading level skipped: h{before['level']} → h{after['level']} {after}")
    pictures: list[dict[str, Any]] = page.evaluate(_PICTURES)
    found.extend(f"{p['tag']} without a text alternative" for p in pictures if not p["name"])
    found.extend(
        f"contrast {t.ratio} < {t.needed}: <{t.tag}> {t.text!r}"
        for t in text_contrasts(page)
        if t.ratio < t.needed
    )
    return found
