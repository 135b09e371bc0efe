"""Which providers are configured, read from a secrets mapping (st.secrets) and the environment.

A value in the mapping wins over the same name in the environment, and a key pasted for one
browser session (`keys`, provider id -> key, held by the caller and never written anywhere)
wins over both, for that provider only. API keys are kept out of `repr` and out of every
status, so they can be neither logged by accident nor shown.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

DEFAULT_TIMEOUT_S = 60.0
COMPATIBLE_VAR = "TABRL_OPENAI_COMPATIBLE"
_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$")
MAX_KEY_CHARS = 512


class ProviderConfigError(ValueError):
    """A provider setting that cannot be used; the message names the variable."""


@dataclass(frozen=True)
class ProviderConfig:
    """How to reach one provider."""

    id: str
    """Provider id: the tab name and the key of generate_approaches' result."""
    label: str
    """Name shown in the app."""
    kind: str
    """Which client speaks to it: anthropic, openai, gemini, openai_compatible or builtin."""
    model: str | None
    """Model id sent with each request."""
    base_url: str | None
    """Endpoint the SDK talks to."""
    timeout_s: float = DEFAULT_TIMEOUT_S
    """Longest wait for one request, retries included."""
    api_key: str | None = field(default=None, repr=False)
    """Secret; never shown, logged or stored."""
    needs_key: bool = True
    """False for local servers (Ollama, vLLM, LM Studio) that accept any key."""
    key_vars: tuple[str, ...] = ()
    """The variables its key is read from, for the "not configured" message."""
    session_key: bool = False
    """Whether its key is one pasted for this session (rather than from settings)."""

    @property
    def configured(self) -> bool:
        """Whether a request can be sent: a model, and a key where one is needed."""
        if self.kind == "builtin":
            return True
        return bool(self.model) and (bool(self.api_key) or not self.needs_key)

    def status(self) -> dict:
        """The Settings page's view of this provider; never includes the key."""
        return {"id": self.id, "label": self.label, "configured": self.configured,
                "model": self.model, "base_url": self.base_url, "takes_key": self.kind != "builtin",
                "session_key": self.session_key}


@dataclass(frozen=True)
class _Hosted:
    id: str
    label: str
    key_vars: tuple[str, ...]
    model_var: str
    default_model: str
    url_vars: tuple[str, ...]  # the first one set wins
    default_url: str


# Default models are ids listed in the installed SDKs' own model types and examples.
_HOSTED = (
    _Hosted("anthropic", "Claude", ("ANTHROPIC_API_KEY",), "ANTHROPIC_MODEL",
            "claude-sonnet-5-5", ("ANTHROPIC_BASE_URL",), "https://api.anthropic.com"),
    _Hosted("openai", "GPT", ("OPENAI_API_KEY",), "OPENAI_MODEL",
            "gpt-5.5", ("OPENAI_BASE_URL",), "https://api.openai.com/v1"),
    _Hosted("gemini", "Gemini", ("GEMINI_API_KEY", "GOOGLE_API_KEY"), "GEMINI_MODEL",
            "gemini-3.8-flash", ("GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL"),  # TabRL's, then the SDK's
            "https://generativelanguage.googleapis.com"),
)
RESERVED_IDS = frozenset(["builtin", *(h.id for h in _HOSTED)])


def _lookup(name: str, secrets: Mapping | None):
    """`name` from the secrets mapping, else the environment; blank strings count as unset."""
    value = secrets.get(name) if secrets is not None else None
    if value is None:
        value = os.environ.get(name)
    if isinstance(value, str):
        value = value.strip() or None
    return value


def _seconds(raw, where: str) -> float:
    """A timeout setting as seconds in (0, 600]; ProviderConfigError naming `where` otherwise."""
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise ProviderConfigError(f"{where} must be a number of seconds, got {raw!r}") from None
    if not 0 < value <= 600:
        raise ProviderConfigError(f"{where} must be in (0, 600] seconds, got {value:g}")
    return value


def _timeout(secrets: Mapping | None) -> float:
    raw = _lookup("TABRL_PROVIDER_TIMEOUT_S", secrets)
    return DEFAULT_TIMEOUT_S if raw is None else _seconds(raw, "TABRL_PROVIDER_TIMEOUT_S")


def clean_key(key: str) -> str:
    """A pasted API key without surrounding blanks; ValueError (never quoting the key) when it
    is empty, too long, or holds blanks or control characters inside."""
    key = (key or "").strip()
    if not key:
        raise ValueError("the key is empty: paste the provider's API key")
    if len(key) > MAX_KEY_CHARS:
        raise ValueError(f"the key has {len(key)} characters; at most {MAX_KEY_CHARS} are allowed")
    if not key.isprintable() or any(c.isspace() for c in key):
        raise ValueError("the key holds blanks or control characters: paste it again, alone")
    return key


def _first(names: tuple[str, ...], secrets: Mapping | None):
    """The value of the first of `names` that is set (secrets, then environment, per name)."""
    return next((v for v in (_lookup(n, secrets) for n in names) if v), None)


def _hosted(spec: _Hosted, secrets: Mapping | None, timeout_s: float,
            session_key: str | None) -> ProviderConfig:
    key = session_key or _first(spec.key_vars, secrets)
    return ProviderConfig(
        id=spec.id, label=spec.label, kind=spec.id,
        model=_lookup(spec.model_var, secrets) or spec.default_model,
        base_url=_first(spec.url_vars, secrets) or spec.default_url,
        timeout_s=timeout_s, api_key=key, key_vars=spec.key_vars,
        session_key=bool(session_key))


def _compatible_entries(secrets: Mapping | None) -> list[Mapping]:
    raw = _lookup(COMPATIBLE_VAR, secrets)
    if raw is None:
        return []
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except json.JSONDecodeError as err:
            raise ProviderConfigError(f"{COMPATIBLE_VAR} is not valid JSON: {err.msg}") from None
    if isinstance(raw, Mapping):
        raw = [raw]
    if not isinstance(raw, (list, tuple)) or not all(isinstance(e, Mapping) for e in raw):
        raise ProviderConfigError(f"{COMPATIBLE_VAR} must be a list of objects")
    return list(raw)


def _compatible(entry: Mapping, secrets: Mapping | None, timeout_s: float,
                keys: Mapping[str, str]) -> ProviderConfig:
    where = f"{COMPATIBLE_VAR} entry {entry.get('id')!r}"
    pid = entry.get("id")
    if not isinstance(pid, str) or not _ID_PATTERN.match(pid) or pid in RESERVED_IDS:
        raise ProviderConfigError(
            f"{where}: 'id' must be lowercase letters, digits, '-' or '_' and not one of "
            f"{', '.join(sorted(RESERVED_IDS))}")
    for name in ("base_url", "model"):
        if not isinstance(entry.get(name), str) or not entry[name].strip():
            raise ProviderConfigError(f"{where}: '{name}' is required")
    key_env = entry.get("api_key_env")
    key = keys.get(pid) or (_lookup(key_env, secrets) if key_env else None)
    timeout = _seconds(entry["timeout_s"], f"{where}: 'timeout_s'") if "timeout_s" in entry else timeout_s
    return ProviderConfig(
        id=pid, label=str(entry.get("label") or pid), kind="openai_compatible",
        model=entry["model"].strip(), base_url=entry["base_url"].strip(), timeout_s=timeout,
        api_key=key, needs_key=bool(key_env), key_vars=(key_env,) if key_env else (),
        session_key=pid in keys)


def load_configs(secrets: Mapping | None = None,
                 keys: Mapping[str, str] | None = None) -> list[ProviderConfig]:
    """Every provider TabRL knows, configured or not: hosted ones, local servers, builtin.

    `keys` maps provider ids to keys pasted for this session; each is used for its own
    provider only (blank ones are ignored)."""
    keys = {pid: key.strip() for pid, key in (keys or {}).items() if key and key.strip()}
    timeout_s = _timeout(secrets)
    configs = [_hosted(spec, secrets, timeout_s, keys.get(spec.id)) for spec in _HOSTED]
    compatible = [_compatible(e, secrets, timeout_s, keys) for e in _compatible_entries(secrets)]
    ids = [c.id for c in compatible]
    duplicates = sorted({i for i in ids if ids.count(i) > 1})
    if duplicates:
        raise ProviderConfigError(f"{COMPATIBLE_VAR}: duplicate id {duplicates[0]!r}")
    configs += compatible
    configs.append(ProviderConfig(id="builtin", label="Built-in", kind="builtin", model=None,
                                  base_url=None, timeout_s=timeout_s, needs_key=False))
    return configs
