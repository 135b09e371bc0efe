"""The optional video judge: a multimodal model looks at a few frames of each clip.

Claude, GPT and Gemini (through their SDKs, the same clients that design rewards) get FRAMES
PNG frames of the clip's MP4 and the behaviour, and answer a score in [0, 1] and one sentence.
Their opinion is added to the code judge's verdict under "video"; it never replaces it, and a
failure is recorded there as an error without touching the code verdict.
"""

from __future__ import annotations

import io
import sqlite3
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from tabrl_core.providers.calls import BAD_OUTPUT, ProviderError, call_with_retries
from tabrl_core.providers.parsing import read_answer
from tabrl_core.providers.prompt import build_video_judge_prompt
from tabrl_core.providers.registry import make_client, select_configs
from tabrl_core.providers.text import clean_text
from tabrl_core.store import artifact_path

FRAMES = 4  # frames per clip shown to the model
FRAME_WIDTH = 320  # px; enough to see a pose, cheap in image tokens
MULTIMODAL_KINDS = ("anthropic", "openai", "gemini")
MAX_REASON_CHARS = 300
PARALLEL_CALLS = 4


def choose_provider(option: str | None, judge_provider: str, secrets: Mapping | None = None,
                    keys: Mapping[str, str] | None = None) -> str | None:
    """The provider that judges videos, or None: `option` ("off", or a provider id) when set,
    else the judge provider when it is a multimodal LLM with a key (off otherwise)."""
    if option == "off":
        return None
    configs = {c.id: c for c in select_configs(None, secrets, keys)}
    chosen = option or judge_provider
    config = configs.get(chosen)
    if option and config is None:
        raise ValueError(f"unknown video judge provider {option!r}; known: {', '.join(configs)}")
    if config is None or config.kind not in MULTIMODAL_KINDS or not config.configured:
        return None
    return chosen


def add_opinions(conn: sqlite3.Connection, rows: list[sqlite3.Row], verdicts: dict[str, dict],
                 provider: str, robot_id: str, behavior: str, secrets: Mapping | None = None,
                 keys: Mapping[str, str] | None = None) -> None:
    """Ask `provider` about each judged job's video; its answer goes into the job's verdict
    under "video" ({score, reason, by} or {error, by})."""
    jobs = [r for r in rows if r["video"] and r["id"] in verdicts]
    with ThreadPoolExecutor(max_workers=PARALLEL_CALLS,
                            thread_name_prefix="tabrl-video-judge") as pool:
        opinions = pool.map(lambda r: video_opinion(artifact_path(r["video"]), provider,
                                                    robot_id, behavior, secrets, keys), jobs)
        for row, opinion in zip(jobs, opinions):
            verdicts[row["id"]]["video"] = opinion


def video_opinion(video_path, provider: str, robot_id: str, behavior: str,
                  secrets: Mapping | None = None, keys: Mapping[str, str] | None = None) -> dict:
    """One clip's video verdict from `provider`; never raises."""
    by = f"vlm:{provider}"
    try:
        frames, seconds = clip_frames(video_path)
    except Exception as err:  # noqa: BLE001 -- a broken file is this clip's problem only
        return {"error": f"cannot read frames of the video: {type(err).__name__}: {err}",
                "by": by}
    [config] = select_configs([provider], secrets, keys)
    client = make_client(config)
    try:
        prompt = build_video_judge_prompt(robot_id, behavior, frames, seconds)
        completion = call_with_retries(lambda left: client.complete(prompt, left),
                                       config.timeout_s)
        score, reason = parse_video_answer(completion.text)
    except ProviderError as err:
        message = str(err).replace(config.api_key, "[redacted]") if config.api_key else str(err)
        return {"error": f"{config.label}: {message}", "by": by}
    finally:
        client.close()
    return {"score": score, "reason": reason, "by": by}


def parse_video_answer(text: str) -> tuple[float, str]:
    """(score clipped to [0, 1], one plain-text sentence) from {"score", "reason"} JSON."""
    data, _ = read_answer(text)  # size cap, fences, prose, deep nesting (providers/parsing.py)
    score = data.get("score") if isinstance(data, dict) else None
    reason = data.get("reason") if isinstance(data, dict) else None
    if isinstance(score, bool) or not isinstance(score, (int, float)) or not np.isfinite(score):
        raise ProviderError(BAD_OUTPUT, "the video verdict has no numeric 'score'")
    if not isinstance(reason, str):
        raise ProviderError(BAD_OUTPUT, "the video verdict has no 'reason'")
    reason = clean_text(reason, MAX_REASON_CHARS, multiline=False)[0]
    return float(min(max(score, 0.0), 1.0)), reason


def clip_frames(video_path, n: int = FRAMES) -> tuple[tuple[bytes, ...], tuple[float, ...]]:
    """`n` evenly spaced frames of an MP4 as PNG bytes (FRAME_WIDTH wide), and their times."""
    import av
    from PIL import Image

    with av.open(str(video_path)) as container:
        stream = container.streams.video[0]
        decoded = [(frame.to_image(), float(frame.time or 0.0))
                   for frame in container.decode(stream)]
    if not decoded:
        raise ValueError("the video has no frames")
    picks = np.linspace(0, len(decoded) - 1, min(n, len(decoded))).round().astype(int)
    frames, seconds = [], []
    for index in picks:
        image, at = decoded[index]
        height = round(image.height * FRAME_WIDTH / image.width)
        buffer = io.BytesIO()
        image.resize((FRAME_WIDTH, height), Image.BILINEAR).save(buffer, format="PNG")
        frames.append(buffer.getvalue())
        seconds.append(at)
    return tuple(frames), tuple(seconds)
