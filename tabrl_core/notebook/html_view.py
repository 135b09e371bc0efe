"""A run's status as HTML for notebooks: per-job progress bars, verdicts, the synchronized video
grid (the app's grid document, its files embedded) and the training curves as inline SVG.

Everything here reads a `get_status` dict and writes self-contained HTML: no file URLs, and no
script but the grid frame's own (and its sizing on load), so an executed notebook exported to
HTML still shows it all.
Every string from a run (names come from LLMs) is escaped; nothing is rendered as markup.
"""

from __future__ import annotations

import base64
import dataclasses
import html
import mimetypes
from pathlib import Path

from tabrl_core.jobs.view import (ACTIVE_STATES, awaiting_verdicts, duration, grid_cells,
                                  state_counts, verdict_text)
from tabrl_core.media.grid_html import grid_document

STATE_COLORS = {"queued": "#808495", "running": "#1c83e1", "succeeded": "#21c354",
                "failed": "#ff4b4b", "cancelled": "#ffa421", "invalid": "#808495"}
CURVE_COLORS = ("#1c83e1", "#ff4b4b", "#21c354", "#ffa421", "#803df5", "#00c0f2", "#ff8700",
                "#6d3fc0", "#7defa1")
CHART_SIZE = (300, 160)
CHART_PAD = 8
GRID_ROW_PX = 300
"""Height the grid frame starts at per provider row, before it measures its document."""
_STYLE = """<style>  /* specific enough to win over the notebook's own table style */
.tabrl { font-family: system-ui, sans-serif; font-size: 13px; color: #262730; }
.tabrl table.jobs { border-collapse: collapse; margin: 6px 0; }
.tabrl table.jobs th, .tabrl table.jobs td { text-align: left; padding: 3px 10px 3px 0;
                                             vertical-align: top; }
.tabrl .bar { width: 180px; height: 10px; background: #e6e8ee; border-radius: 5px; }
.tabrl .bar > div { height: 10px; border-radius: 5px; }
.tabrl .state { font-weight: 600; }
.tabrl .note { color: #8a6d00; }
.tabrl .error { color: #c62828; white-space: pre-wrap; }
.tabrl .hint { color: #555; }
.tabrl .curves { display: flex; flex-wrap: wrap; gap: 12px; }
</style>"""


def text(value) -> str:
    """`value` as escaped HTML text."""
    return html.escape(str(value), quote=True)


def data_uri(path: Path) -> str:
    """The file as a data: URI, so the page needs no server and no file path."""
    mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    return f"data:{mime};base64,{base64.b64encode(path.read_bytes()).decode('ascii')}"


def grid_standalone(jobs: list[dict], labels: dict[str, str]) -> str:
    """The grid document of these jobs with every file embedded: one file that plays anywhere.
    GIFs (some 20 times the size of their MP4) are left out."""
    cells = [dataclasses.replace(cell, gif=None) for cell in grid_cells(jobs, labels)]
    return grid_document(cells, data_uri)


def grid_frame(jobs: list[dict], labels: dict[str, str]) -> str:
    """The grid document in an iframe (its own styles and script), files embedded as data URIs;
    '' when no job has a video, made or missing."""
    if not any("video" in j["artifacts"] for j in jobs):
        return ""
    document = grid_standalone(jobs, labels)
    rows = len({j["provider"] for j in jobs})
    return (f'<div><iframe class="tabrl-grid" srcdoc="{text(document)}" style="width: 100%;'
            f' height: {rows * GRID_ROW_PX + 60}px; border: 0"'
            ' onload="this.style.height = this.contentDocument.documentElement.scrollHeight'
            ' + 20 + \'px\'"></iframe></div>')


def _bar(fraction: float, state: str) -> str:
    width = max(0.0, min(1.0, fraction)) * 100
    return (f'<div class="bar"><div style="width: {width:.1f}%;'
            f' background: {STATE_COLORS.get(state, "#808495")}"></div></div>')


def _job_row(job: dict, label: str) -> str:
    eta = f" · ETA {duration(job['eta_s'])}" if job["state"] == "running" else ""
    ret = "" if job["mean_return"] is None else f"{job['mean_return']:.2f}"
    judge = job.get("judge")
    checks = "; ".join(f"{c['name']} {c['value']:.3g} {c['target']} "
                       f"{'ok' if c['passed'] else 'missed'}"
                       for c in (judge or {}).get("checks", []) if c.get("value") is not None)
    cells = [
        f"{text(label)}<br><b>{text(job['name'])}</b>",
        f'<span class="state" style="color: {STATE_COLORS.get(job["state"], "#808495")}">'
        f"{text(job['state'])}</span>",
        _bar(job["progress"], job["state"])
        + f"{job['steps_done']:,} / {job['total_steps']:,} steps{eta}",
        text(ret),
        f'<span title="{text(checks)}">{text(verdict_text(judge))}</span>'
        + (f"<br>{text(judge['verdict'])}" if judge and judge.get("score") is not None
           and judge.get("verdict") else ""),
    ]
    row = "<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>"
    notes = []
    if job["state"] == "failed":
        notes.append(f'<div class="error">{text(job["error"] or "failed without a reason")}</div>')
    notes += [f'<div class="note">artifact {text(p)}</div>' for p in job["artifact_problems"]]
    if notes:
        row += f'<tr><td></td><td colspan="4">{"".join(notes)}</td></tr>'
    return row


def jobs_table(status: dict, labels: dict[str, str]) -> str:
    """Every job's provider and name, state, progress bar, final mean return and verdict; then
    approaches that were not trained because their code was invalid."""
    head = "".join(f"<th>{h}</th>" for h in ("approach", "state", "progress", "mean return",
                                             "judge"))
    rows = "".join(_job_row(j, labels.get(j["provider"], j["provider"])) for j in status["jobs"])
    invalid = [a for a in status["approaches"] if not a["valid"]]
    rows += "".join(
        f'<tr><td>{text(labels.get(a["provider"], a["provider"]))}<br><b>{text(a["name"])}</b>'
        f'</td><td class="state">invalid</td><td colspan="3" class="error">'
        f'{text(a["validation_error"] or "")}</td></tr>' for a in invalid)
    return f'<table class="jobs"><tr>{head}</tr>{rows}</table>'


def _polyline(points: list[tuple[float, float]], box: tuple[float, float, float, float],
              color: str) -> str:
    x0, x1, y0, y1 = box
    scale_x = (CHART_SIZE[0] - 2 * CHART_PAD) / ((x1 - x0) or 1)
    scale_y = (CHART_SIZE[1] - 2 * CHART_PAD) / ((y1 - y0) or 1)
    coords = " ".join(f"{CHART_PAD + (x - x0) * scale_x:.1f},"
                      f"{CHART_SIZE[1] - CHART_PAD - (y - y0) * scale_y:.1f}" for x, y in points)
    return f'<polyline points="{coords}" fill="none" stroke="{color}" stroke-width="1.5"/>'


def line_chart(title: str, series: dict[str, list[tuple[float, float]]]) -> str:
    """An inline SVG chart of named (step, value) series on one scale, its range and a legend;
    '' when there is no point."""
    series = {name: points for name, points in series.items() if points}
    values = [xy for points in series.values() for xy in points]
    if not values:
        return ""
    xs, ys = [x for x, _ in values], [y for _, y in values]
    box = (min(xs), max(xs), min(ys), max(ys))
    color = [CURVE_COLORS[k % len(CURVE_COLORS)] for k in range(len(series))]
    lines = "".join(_polyline(points, box, c) for points, c in zip(series.values(), color))
    legend = "<br>".join(f'<span style="color: {c}">■</span> {text(name)}'
                         for name, c in zip(series, color))
    width, height = CHART_SIZE
    return (f'<div><div><b>{text(title)}</b></div>'
            f'<svg width="{width}" height="{height}" style="background: #f8f9fb" role="img"'
            f' aria-label="{text(title)}">{lines}</svg>'
            f'<div class="hint">steps {box[0]:,.0f}–{box[1]:,.0f} · {box[2]:.3g} to'
            f' {box[3]:.3g}</div><div>{legend}</div></div>')


def curves_block(jobs: list[dict], labels: dict[str, str]) -> str:
    """The mean return of every job on one chart, then each job's reward components on its own;
    '' before any job has reported."""
    def points(job: dict, value) -> list[tuple[float, float]]:
        return [(p["step"], v) for p in job["curve"] if (v := value(p)) is not None]

    name = {j["id"]: f"{labels.get(j['provider'], j['provider'])} · {j['name']}" for j in jobs}
    charts = [line_chart("Mean return", {name[j["id"]]: points(j, lambda p: p["mean_return"])
                                         for j in jobs})]
    for job in jobs:
        components = dict.fromkeys(c for p in job["curve"] for c in p["components"])
        charts.append(line_chart(f"{name[job['id']]}: reward components", {
            c: points(job, lambda p, c=c: p["components"].get(c)) for c in components}))
    charts = [c for c in charts if c]
    return f'<div class="curves">{"".join(charts)}</div>' if charts else ""


def judging_block(status: dict, labels: dict[str, str]) -> str:
    """The judge's ranking of the run's approaches (best first), each provider's mean score and
    passes, and the judge program (its code as text, or why it is invalid); '' for a run that
    has no judge yet."""
    parts = []
    if ranking := status.get("ranking"):
        items = [f"{text(r['name'])} ({r['score']:.2f}{', passed' if r['passed'] else ''})"
                 for r in ranking]
        parts.append(f"<div><b>Ranking</b>: {' › '.join(items)}</div>")
    providers = [f"{text(labels.get(p, p))}: mean {row['mean_score']:.2f}, {row['passes']} of"
                 f" {row['judged']} passed" for p, row in (status.get("providers") or {}).items()
                 if row.get("mean_score") is not None]
    if providers:
        parts.append(f"<div><b>Providers</b>: {' · '.join(providers)}</div>")
    program = status.get("judge_program") or {}
    if program.get("error"):
        parts.append(f'<div class="error">judge: {text(program["error"])}</div>')
    if program.get("code"):
        parts.append(f"<details><summary>Judge program (by {text(program['by'])})</summary>"
                     f"<pre>{text(program['code'])}</pre></details>")
    return "".join(parts)


def header(status: dict) -> str:
    """The run's id, robot, behaviour, budget and backend, the run it refines (if it does), and
    its jobs' state counts."""
    run = status["run"]
    refines = f" · refines run {text(run['parent_run'])}" if run.get("parent_run") else ""
    return (f"<div><b>Run {text(run['id'])}</b> · {text(run['robot'])} ·"
            f" “{text(run['behavior'])}” · {run['steps']:,} steps · {text(run['backend'])}"
            f"{refines} · {text(state_counts(status))}</div>")


def waiting_hint(status: dict) -> str:
    """While jobs are unfinished (or being judged): the overall bar, and how to wait for or
    reattach to the run."""
    run_id = status["run"]["id"]
    wait_hint = (f'<div class="hint">Wait for it with <code>tabrl.wait({text(repr(run_id))})'
                 "</code>; it goes on when this kernel stops.</div>")
    if awaiting_verdicts(status):
        return f"<div>Trained · the judge is grading the rollouts</div>{wait_hint}"
    if not any(status["counts"][s] for s in ACTIVE_STATES):
        return ""
    left = f" · about {duration(status['eta_s'])} left" if status["eta_s"] else ""
    idle = (" · no local worker is running: start one with <code>tabrl worker</code>"
            if status["run"]["backend"] == "local" and not status["worker_alive"] else "")
    return (f"{_bar(status['progress'], 'running')}<div>Training · {status['progress']:.0%}"
            f"{left}{idle}</div>{wait_hint}")


def run_html(status: dict, labels: dict[str, str], *, grid: bool = True) -> str:
    """A run as one HTML block: header, progress, jobs table, the judge's ranking, the grid (when
    `grid` and some job has a video) and curves."""
    parts = [_STYLE, '<div class="tabrl">', header(status), waiting_hint(status),
             jobs_table(status, labels), judging_block(status, labels)]
    if grid:
        parts.append(grid_frame(status["jobs"], labels))
    parts += [curves_block(status["jobs"], labels), "</div>"]
    return "".join(parts)


def job_html(status: dict, labels: dict[str, str]) -> str:
    """One job (a `get_status(job_id)` dict) as HTML: its row, its video and its curves."""
    job = status["jobs"][0]
    label = labels.get(job["provider"], job["provider"])
    return "".join([
        _STYLE, '<div class="tabrl">',
        f"<div><b>Job {text(job['id'])}</b> of run {text(status['run']['id'])}</div>",
        f'<table class="jobs">{_job_row(job, label)}</table>',
        grid_frame([job], labels), curves_block([job], labels), "</div>"])
