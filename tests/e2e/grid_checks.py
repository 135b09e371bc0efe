"""The video grid's shared check in Chromium: Play all keeps every video in step, Pause all
pauses them all together, Reset returns them all to 0."""

TIMES = "[...document.querySelectorAll('video')].map(v => v.currentTime)"
PAUSED = "[...document.querySelectorAll('video')].map(v => v.paused)"


def play_pause_reset(grid, page, while_playing=None) -> list[float]:
    """Drive the grid's control bar; returns the videos' times after 3 s of playing."""
    grid.click("#play")
    page.wait_for_timeout(3000)  # the measurement window: 3 s of playing
    times = grid.evaluate(TIMES)
    assert not any(grid.evaluate(PAUSED)), "Play all left a video paused"
    assert max(times) - min(times) < 0.05, f"the videos drifted apart: {times}"
    if while_playing is not None:
        while_playing()

    grid.click("#pause")
    grid.wait_for_function(f"{PAUSED}.every(Boolean)", timeout=5_000)
    paused_at = grid.evaluate(TIMES)
    assert max(paused_at) - min(paused_at) < 0.05, paused_at

    grid.click("#reset")
    grid.wait_for_function(f"{TIMES}.every(t => t === 0)", timeout=5_000)
    assert all(grid.evaluate(PAUSED))
    return times
