"""Research data: suites of tasks run across providers (leaderboard, Parquet, HTML report), run
exports (Parquet/CSV) and trained policies as a zip or ONNX.

Names are imported on first use, so reading a benchmark index stays light (no JAX).
"""

from tabrl_core.lazy import lazy_exports

_EXPORTS = {
    "SuiteError": ".suite", "Task": ".suite", "read_suite": ".suite",
    "run_benchmark": ".runner",
    "list_benchmarks": ".index", "load_benchmark": ".index",
    "export_run": ".export",
    "PolicyExportError": ".policy", "export_policy": ".policy",
}
__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS)
