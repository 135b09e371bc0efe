"""The SQLite store and the artifacts directory under TABRL_HOME."""

from tabrl_core.store.artifacts import (artifact_path, check_artifact, digest, job_dir,
                                        record_artifact)
from tabrl_core.store.db import (connect, db_path, migrate, opened, schema_version,
                                 transaction)
from tabrl_core.store.schema import ARTIFACT_KINDS, JOB_STATES, MIGRATIONS

__all__ = [
    "ARTIFACT_KINDS", "JOB_STATES", "MIGRATIONS", "artifact_path", "check_artifact", "connect",
    "db_path", "digest", "job_dir", "migrate", "opened", "record_artifact", "schema_version",
    "transaction",
]
