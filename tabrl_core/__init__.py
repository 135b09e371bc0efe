"""TabRL: turn a sentence into a trained robot behaviour, and compare how LLMs design rewards.

The notebook API (it mirrors the design document's endpoints)::

    import tabrl_core as tabrl
    tabrl.list_models()                                   # GET  /api/playground/models
    results = tabrl.generate_approaches("go1", "shake your hips")   # POST /api/training/approaches
    batch = tabrl.start_batch("go1", approaches, 10_000)  # POST /api/training/batch
    tabrl.get_status(batch.id)                            # GET  /api/training/{id}/status
    tabrl.render(job_id)                                  # POST /api/training/render
    tabrl.judge(run_id)                                   # judge the videos again
    tabrl.refine(job_id, "land softer")                   # the next version of one approach

In Jupyter (see tabrl_core.notebook): the batch shows its progress live and then its video grid;
`tabrl.wait(id)`, `tabrl.results(id)` and `tabrl.curves(id)` (DataFrames), `tabrl.show(id)`,
and `tabrl.run(id)` to reopen any run, from the app or the CLI too.

Names are imported on first use, so `import tabrl_core` stays light (no JAX, no MuJoCo) for the
Streamlit page process.
"""

from __future__ import annotations

import os

from tabrl_core.lazy import lazy_exports

# XLA:CPU logs spurious "machine feature" errors when it loads programs from the persistent
# compilation cache; keep them out of users' terminals (Python exceptions are unaffected).
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

_EXPORTS = {
    "list_models": "tabrl_core.robots.gallery",
    "get_robot": "tabrl_core.robots",
    "UnknownRobotError": "tabrl_core.robots",
    "generate_approaches": "tabrl_core.providers",
    "provider_statuses": "tabrl_core.providers",
    "Approach": "tabrl_core.providers",
    "own_approach": "tabrl_core.providers.own",
    "check_code": "tabrl_core.providers.own",
    "compile_reward": "tabrl_core.rewards",
    "compile_rewards": "tabrl_core.rewards",
    "RewardValidationError": "tabrl_core.rewards",
    "render_contract": "tabrl_core.rewards",
    "contract_for": "tabrl_core.rewards",
    "start_batch": "tabrl_core.notebook",
    "get_status": "tabrl_core.jobs",
    "cancel": "tabrl_core.jobs",
    "retry": "tabrl_core.jobs",
    "estimate": "tabrl_core.jobs",
    "list_runs": "tabrl_core.jobs",
    "render": "tabrl_core.jobs",
    "judge": "tabrl_core.judging",
    "judge_run": "tabrl_core.judging",
    "run": "tabrl_core.notebook",
    "job": "tabrl_core.notebook",
    "wait": "tabrl_core.notebook",
    "results": "tabrl_core.notebook",
    "curves": "tabrl_core.notebook",
    "show": "tabrl_core.notebook",
    "Run": "tabrl_core.notebook",
    "Job": "tabrl_core.notebook",
    "UnknownRunError": "tabrl_core.notebook",
    "refine": "tabrl_core.refining",
    "auto_refine": "tabrl_core.refining",
    "lineage": "tabrl_core.refining",
    "RefineError": "tabrl_core.refining",
    "train_population": "tabrl_core.training",
    "TrainConfig": "tabrl_core.training",
    "load_checkpoint": "tabrl_core.training",
    "rollout_policy": "tabrl_core.training",
    "run_benchmark": "tabrl_core.research",
    "list_benchmarks": "tabrl_core.research",
    "export_run": "tabrl_core.research",
    "export_policy": "tabrl_core.research",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
