"""Judging: one judge program per run grades every approach's rollout (code judge, optional
video judge); verdicts, rankings and the per-provider scoreboard.

Names are imported on first use, so `import tabrl_core.judging` stays light (no JAX, no
provider SDK).
"""

from tabrl_core.lazy import lazy_exports

_EXPORTS = {
    "JudgeTrajectory": ".contract", "render_judge_contract": ".contract",
    "JudgeValidationError": ".program", "check_judge": ".program", "run_judge": ".program",
    "validate_judge": ".program",
    "builtin_judge_code": ".builtin",
    "JudgeProgram": ".author", "default_judge_provider": ".author", "write_judge": ".author",
    "judge": ".run", "judge_finished_run": ".run", "judge_run": ".run",
    "add_judge_command": ".cli",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
