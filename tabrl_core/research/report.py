"""report.html: a self-contained page (no network) with the leaderboard, bar charts as inline
SVG, and each task's GIFs side by side. Every value, LLM-written text included, is escaped."""

from __future__ import annotations

from html import escape
from pathlib import Path

CHART_WIDTH = 560
BAR_HEIGHT = 22
LABEL_WIDTH = 180
_COLOURS = ("#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6")
_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:first-child { text-align: left; }
.task { margin: 2em 0; }
.clips { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; width: 240px; }
figure img { width: 240px; }
figcaption { font-size: 0.85em; }
.pass { color: #1a7f37; } .fail { color: #c62828; } .none { color: #777; }
"""


def bar_chart_svg(title: str, bars: list[tuple[str, float]], *, top: float | None = None,
                  unit: str = "") -> str:
    """A horizontal bar chart as an inline <svg>: one bar per (label, value)."""
    top = top or max([v for _, v in bars] + [1e-9])
    height = BAR_HEIGHT * len(bars) + 30
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{CHART_WIDTH}" '
             f'height="{height}" aria-label="{escape(title)}">',
             f'<text x="0" y="14" font-size="13" font-weight="bold">{escape(title)}</text>']
    span = CHART_WIDTH - LABEL_WIDTH - 60
    for i, (label, value) in enumerate(bars):
        y = 24 + i * BAR_HEIGHT
        width = max(0.0, min(1.0, value / top)) * span
        colour = _COLOURS[i % len(_COLOURS)]
        parts += [f'<text x="0" y="{y + 15}" font-size="12">{escape(label[:28])}</text>',
                  f'<rect x="{LABEL_WIDTH}" y="{y + 3}" width="{width:.1f}" height="'
                  f'{BAR_HEIGHT - 6}" fill="{colour}"/>',
                  f'<text x="{LABEL_WIDTH + width + 4:.1f}" y="{y + 15}" font-size="12">'
                  f'{value:.3g}{escape(unit)}</text>']
    parts.append("</svg>")
    return "".join(parts)


def _table(board: list[dict]) -> str:
    if not board:
        return "<p>No provider ran.</p>"
    columns = list(board[0])
    head = "".join(f"<th>{escape(c)}</th>" for c in columns)
    body = "".join("<tr>" + "".join(f"<td>{escape(_cell(row[c]))}</td>" for c in columns)
                   + "</tr>" for row in board)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _cell(value) -> str:
    if value is None:
        return ""
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def _charts(board: list[dict], rows: list[dict]) -> str:
    summary = [bar_chart_svg("Mean best judge score", [(b["provider"], b["mean_best_score"])
                                                       for b in board], top=1.0),
               bar_chart_svg("Tasks passed", [(b["provider"], b["tasks_passed"])
                                              for b in board], top=max(
                   [b["tasks"] for b in board] + [1]))]
    per_provider = []
    for b in board:
        best: dict[int, float] = {}
        for r in rows:
            if r["provider"] == b["provider"]:
                best[r["task"]] = max(best.get(r["task"], 0.0), r.get("judge_score") or 0.0)
        per_provider.append(bar_chart_svg(f"{b['provider']}: best judge score per task",
                                          [(f"task {t}", s) for t, s in sorted(best.items())],
                                          top=1.0))
    return "".join(f"<div>{svg}</div>" for svg in summary + per_provider)


def _clip(row: dict) -> str:
    passed = row.get("passed")
    mark, css = {True: ("pass", "pass"), False: ("fail", "fail")}.get(passed, ("not judged",
                                                                              "none"))
    score = row.get("judge_score")
    image = (f'<img src="{escape(row["gif"])}" alt="{escape(row.get("approach") or "")}">'
             if row.get("gif") else f"<p>(no clip: {escape(row.get('state') or '')})</p>")
    details = escape(row.get("verdict") or row.get("error") or "")
    return (f"<figure>{image}<figcaption><b>{escape(row['provider'])}</b> · "
            f"{escape(row.get('approach') or '-')}<br><span class=\"{css}\">{mark}</span>"
            f"{'' if score is None else f' {score:.2f}'}<br>{details}</figcaption></figure>")


def _tasks(rows: list[dict]) -> str:
    sections = []
    for task in sorted({r["task"] for r in rows}):
        of_task = [r for r in rows if r["task"] == task]
        first = of_task[0]
        category = f" [{escape(first['category'])}]" if first.get("category") else ""
        sections.append(f'<section class="task"><h3>Task {task}: {escape(first["robot"])} · '
                        f'{escape(first["behavior"])}{category}</h3><div class="clips">'
                        + "".join(_clip(r) for r in of_task) + "</div></section>")
    return "".join(sections)


def report_html(meta: dict, board: list[dict], rows: list[dict]) -> str:
    """The report page for a benchmark's metadata, leaderboard and results rows."""
    title = f"TabRL benchmark {meta['id']}"
    facts = (f"{meta['tasks']} tasks from {meta['suite']} · providers "
             f"{', '.join(meta['providers'])} · {meta['steps']:,} steps per approach on "
             f"{meta['backend']} · judged by {meta.get('judge') or 'no judge'}")
    return ("<!DOCTYPE html><html><head><meta charset=\"utf-8\">"
            f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
            f"<h1>{escape(title)}</h1><p>{escape(facts)}</p>"
            f"<h2>Leaderboard</h2>{_table(board)}<h2>Charts</h2>{_charts(board, rows)}"
            f"<h2>Tasks</h2>{_tasks(rows)}</body></html>")


def write_report(out: Path, meta: dict, board: list[dict], rows: list[dict]) -> Path:
    """Write out/report.html."""
    path = Path(out) / "report.html"
    path.write_text(report_html(meta, board, rows), encoding="utf-8")
    return path
