"""Line charts as SVG, drawn on the server (no chart library needed for a time series).
Coordinates use a decimal point (SVG); the labels a reader sees are written by
`hemma.clinical.numbers` (decimal comma). The y axis has readable ticks (1, 2 or 5 × 10ⁿ),
the x axis a tick at whole days. Pure Python."""

from html import escape

from hemma.clinical import numbers

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 266, 44, 34, 26, 12


def line_chart(series, *, lines=(), title: str, x_label: str) -> str:
    """series: [(label, values, colour)], lines: [(label, y, colour)] horizontal guides."""
    values = [v for _, vs, _ in series for v in vs] + [y for _, y, _ in lines]
    ticks = numbers.nice_ticks(max(values, default=1) * 1.05 or 1, 5)
    top = ticks[-1]
    count = max((len(vs) for _, vs, _ in series), default=1)
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(i):
        return LEFT + plot_w * i / max(1, count - 1)

    def y(v):
        return TOP + plot_h * (1 - v / top)

    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(title)}" width="100%">',
        f"<title>{escape(title)}</title>",
        f'<text x="{LEFT}" y="16" font-size="13" font-weight="bold">{escape(title)}</text>',
        f'<rect x="{LEFT}" y="{TOP}" width="{plot_w}" height="{plot_h}" '
        f'fill="#f8f9fb" stroke="#ccd"/>',
    ]
    step = ticks[1] - ticks[0] if len(ticks) > 1 else 1
    decimals = 0 if step >= 1 else len(f"{step:.6f}".rstrip("0").split(".")[1])
    for value in ticks:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" '
            f'stroke="#e3e6ee"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{numbers.decimal(value, decimals)}</text>'
        )
    for day in day_ticks(count):  # day 1 is the first point
        parts.append(
            f'<line x1="{x(day - 1):.1f}" x2="{x(day - 1):.1f}" y1="{TOP + plot_h}" '
            f'y2="{TOP + plot_h + 4}" stroke="#889"/>'
            f'<text x="{x(day - 1):.1f}" y="{TOP + plot_h + 15}" text-anchor="middle" '
            f'font-size="11">{numbers.integer(day)}</text>'
        )
    for label, level, colour in lines:
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(level):.1f}" y2="{y(level):.1f}" '
            f'stroke="{colour}" stroke-dasharray="6 4"/>'
            f'<text x="{WIDTH - RIGHT - 4}" y="{y(level) - 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="{colour}">{escape(label)}</text>'
        )
    for label, vs, colour in series:
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(vs))
        parts.append(
            f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2">'
            f"<title>{escape(label)}</title></polyline>"
        )
    parts.append(
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 2}" text-anchor="middle" font-size="11">'
        f"{escape(x_label)}</text></svg>"
    )
    return "".join(parts)


def day_ticks(count: int) -> list[int]:
    """Whole days to mark on an axis of `count` days: day 1 and every 1, 2, 5, 7, 14, 30, 60
    or 90 days, about eight marks in all."""
    if count <= 1:
        return [1] if count == 1 else []
    step = next((s for s in (1, 2, 5, 7, 14, 30, 60, 90) if count / s <= 9), 180)
    if step <= 2:
        return list(range(1, count + 1, step))
    return sorted({1, *range(step, count + 1, step)})
