"""Line charts as SVG, drawn on the server (no chart library needed for a time series):
numbers are written with a decimal point whatever the page's language. Pure Python."""

from html import escape

WIDTH, HEIGHT, LEFT, BOTTOM, TOP, RIGHT = 640, 260, 44, 28, 26, 12


def line_chart(series, *, lines=(), title: str, x_label: str) -> str:
    """series: [(label, values, colour)], lines: [(label, y, colour)] horizontal guides."""
    values = [v for _, vs, _ in series for v in vs] + [y for _, y, _ in lines]
    top = max(values, default=1) * 1.1 or 1
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
    decimals = 0 if top >= 10 else 1
    for step in range(5):
        value = top * step / 4
        parts.append(
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" '
            f'font-size="11">{value:.{decimals}f}</text>'
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
        f'<text x="{LEFT + plot_w / 2:.0f}" y="{HEIGHT - 6}" text-anchor="middle" font-size="11">'
        f"{escape(x_label)}</text></svg>"
    )
    return "".join(parts)
