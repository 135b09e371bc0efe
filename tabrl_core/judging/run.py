"""Judging a stored run: its judge program, every approach's verdict, ranking and scoreboard.

`judge_run` grades a run's rendered trajectories with the run's judge program (written on first
use by the judge provider, then kept with the run), all of them in one sandbox child, and
stores each job's verdict; the optional video judge adds its opinion. The local worker and the
Modal client call `judge_finished_run` once a run's last job has ended; `tabrl judge ID` and
`tabrl.judge(ID)` call `judge_run` to judge again without retraining.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Mapping

from tabrl_core.judging import video
from tabrl_core.judging.author import JudgeProgram, default_judge_provider, write_judge
from tabrl_core.judging.program import run_judge
from tabrl_core.judging.trajectories import NotJudgeableError, load_judge_trajectory
from tabrl_core.judging.verdict import not_judged, ranking, scoreboard, verdict
from tabrl_core.store import artifact_path, opened, transaction

log = logging.getLogger(__name__)


def judge_run(id_: str, provider: str | None = None, *, video_provider: str | None = None,
              secrets: Mapping | None = None, keys: Mapping[str, str] | None = None) -> dict:
    """Judge a run's (or one job's) stored trajectories; returns {run_id, judge_program,
    verdicts: {job id: verdict}, ranking, providers}.

    Without `provider` the run's stored judge program is used (written by the run's
    `judge_provider` option, else `default_judge_provider`, when it has none yet). With one, that
    provider writes a new program for the run; a run has one judge, so the new program then
    grades every job of the run even when `id_` names one job. `video_provider` asks that
    multimodal provider for a video verdict too ("off" for none; by default the judge provider
    when it is Claude, GPT or Gemini with a key). `keys` are keys pasted for this session, by
    provider id, each used for its own provider only (see providers.config.load_configs).
    Raises KeyError for an unknown id and ValueError for an unknown provider.
    """
    with opened() as conn:
        run, only = _lookup(conn, id_)
        options = json.loads(run["options"])
        program = _stored_program(run) if provider is None else None
        if program is None:
            chosen = provider or options.get("judge_provider") or default_judge_provider(secrets)
            program = write_judge(run["robot"], run["behavior"], chosen, secrets=secrets,
                                  keys=keys)
            _store_program(conn, run["id"], program)
            only = None
        rows = _job_rows(conn, run["id"], only)
        verdicts = _verdicts(conn, rows, program)
        vlm = video.choose_provider(video_provider or options.get("video_judge"),
                                    program.provider, secrets, keys)
        if vlm:
            video.add_opinions(conn, rows, verdicts, vlm, run["robot"], run["behavior"], secrets,
                               keys)
        with transaction(conn):
            conn.executemany("UPDATE jobs SET judge = ? WHERE id = ? AND attempt = ?",
                             [(json.dumps(v), r["id"], r["attempt"])
                              for r in rows if (v := verdicts.get(r["id"])) is not None])
        everyone = [_judged_job(r) for r in _job_rows(conn, run["id"], None)]
    return {"run_id": run["id"], "judge_program": program.to_dict(), "verdicts": verdicts,
            "ranking": ranking(everyone), "providers": scoreboard(everyone)}


def judge_finished_run(run_id: str) -> dict | None:
    """`judge_run` once every job of the run has ended (else None). Never raises: a failure is
    logged and kept as the run's judge error, and the videos stay as they are."""
    try:
        with opened() as conn:
            if conn.execute("SELECT 1 FROM jobs WHERE run = ? AND state IN ('queued', 'running')",
                            (run_id,)).fetchone():
                return None
        return judge_run(run_id)
    except Exception as err:  # noqa: BLE001 -- judging must never take a run down
        log.exception("judging run %s failed", run_id)
        try:
            with opened() as conn, transaction(conn):
                conn.execute("UPDATE runs SET judge_error = ? WHERE id = ?",
                             (f"judging failed: {type(err).__name__}: {err}", run_id))
        except Exception:  # noqa: BLE001 -- the store itself is failing; the log has it
            log.exception("recording the judge error of run %s failed", run_id)
        return None


def _lookup(conn: sqlite3.Connection, id_: str) -> tuple[sqlite3.Row, str | None]:
    """The run of a run or job id, and the job id when one was named."""
    run = conn.execute("SELECT * FROM runs WHERE id = ?", (id_,)).fetchone()
    if run is not None:
        return run, None
    job = conn.execute("SELECT run FROM jobs WHERE id = ?", (id_,)).fetchone()
    if job is None:
        raise KeyError(f"no run or job with id {id_!r}")
    return conn.execute("SELECT * FROM runs WHERE id = ?", (job["run"],)).fetchone(), id_


def _stored_program(run: sqlite3.Row) -> JudgeProgram | None:
    if run["judge_provider"] is None:
        return None
    return JudgeProgram(run["judge_provider"], run["judge_code"] or "", bool(run["judge_valid"]),
                        run["judge_error"])


def _store_program(conn: sqlite3.Connection, run_id: str, program: JudgeProgram) -> None:
    with transaction(conn):
        conn.execute("UPDATE runs SET judge_provider = ?, judge_code = ?, judge_valid = ?,"
                     " judge_error = ? WHERE id = ?",
                     (program.provider, program.code, int(program.valid), program.error, run_id))


def _job_rows(conn: sqlite3.Connection, run_id: str, only: str | None) -> list[sqlite3.Row]:
    return conn.execute(f"""
        SELECT j.id, j.attempt, j.state, j.judge, a.provider, a.name,
               (SELECT path FROM artifacts t WHERE t.job = j.id AND t.attempt = j.attempt
                AND t.kind = 'trajectory' ORDER BY t.id DESC LIMIT 1) AS trajectory,
               (SELECT path FROM artifacts v WHERE v.job = j.id AND v.attempt = j.attempt
                AND v.kind = 'video' ORDER BY v.id DESC LIMIT 1) AS video
        FROM jobs j JOIN approaches a ON j.approach = a.id
        WHERE j.run = ? {"AND j.id = ?" if only else ""} ORDER BY a.position""",
                        (run_id, only) if only else (run_id,)).fetchall()


def _verdicts(conn: sqlite3.Connection, rows: list[sqlite3.Row],
              program: JudgeProgram) -> dict[str, dict]:
    """The verdict of every job that has a trajectory, all graded in one sandbox child."""
    gradable = [r for r in rows if r["state"] == "succeeded" and r["trajectory"]]
    if not program.valid:
        return {r["id"]: not_judged(program.error or "the judge program is invalid", program.by)
                for r in gradable}
    verdicts, loaded = {}, []
    for row in gradable:
        try:
            loaded.append((row, load_judge_trajectory(artifact_path(row["trajectory"]))))
        except NotJudgeableError as err:
            verdicts[row["id"]] = not_judged(str(err), program.by)
    results = run_judge(program.code, [t for _, t in loaded]) if loaded else []
    for (row, _), result in zip(loaded, results):
        verdicts[row["id"]] = (not_judged(f"the judge failed on this trajectory: {result}",
                                          program.by)
                               if isinstance(result, Exception) else verdict(result, program.by))
    return verdicts


def _judged_job(row: sqlite3.Row) -> dict:
    return {"id": row["id"], "provider": row["provider"], "name": row["name"],
            "judge": json.loads(row["judge"]) if row["judge"] else None}


judge = judge_run  # the notebook API's name: tabrl.judge(job_or_run_id, provider=None)
