"""The video grid's shared check in Chromium: Play all keeps every video in step, Pause all
pauses them all together, Reset returns them all to 0."""

TIMES = "[...document.querySelectorAll('video')].map(v => v.currentTime)"
PAUSED = "[...document.querySelectorAll('video')].map(v => v.paused)"
DURATIONS = "[...document.querySelectorAll('video')].map(v => v.duration)"
WINDOW_S = 3.0


def play_pause_reset(grid, page, while_playing=None) -> list[float]:
    """Drive the grid's control bar; returns the videos' times after 3 s of playing.

    The grid starts playing by itself and loops (every video pauses for a moment while the
    longest one restarts), so the window starts from Reset: it then ends well before a loop."""
    assert min(grid.evaluate(DURATIONS)) > WINDOW_S + 0.9, "clips too short for the window"
    grid.click("#reset")
    grid.wait_for_function(f"{TIMES}.every(t => t === 0)", timeout=5_000)
    grid.click("#play")
    page.wait_for_timeout(WINDOW_S * 1000)  # the measurement window: 3 s of playing
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
