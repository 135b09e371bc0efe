"""Provider ids to clients, the selection a caller asks for, and the Settings page's statuses."""

from __future__ import annotations

import importlib
from collections.abc import Iterable, Mapping

from tabrl_core.providers.config import ProviderConfig, load_configs

# kind -> (module, class); imported on first use, so one SDK's import cost or failure
# never touches the others.
_CLIENTS = {
    "anthropic": ("tabrl_core.providers.anthropic_provider", "AnthropicClient"),
    "openai": ("tabrl_core.providers.openai_provider", "OpenAIClient"),
    "gemini": ("tabrl_core.providers.gemini_provider", "GeminiClient"),
    "openai_compatible": ("tabrl_core.providers.openai_compatible", "OpenAICompatibleClient"),
}


def make_client(config: ProviderConfig):
    """A client for `config` with `complete(prompt, timeout_s) -> Completion` and `close()`."""
    module, name = _CLIENTS[config.kind]
    return getattr(importlib.import_module(module), name)(config)


def select_configs(providers: Iterable[str] | None, secrets: Mapping | None = None,
                   keys: Mapping[str, str] | None = None) -> list[ProviderConfig]:
    """The configs of `providers` (ids, in order), or of every known provider when None;
    `keys` are session keys by provider id (see load_configs).

    Raises ValueError naming an unknown id and listing the known ones.
    """
    configs = {c.id: c for c in load_configs(secrets, keys)}
    if providers is None:
        return list(configs.values())
    chosen = list(dict.fromkeys(p.strip() for p in providers if p.strip()))
    if not chosen:
        raise ValueError("no provider given")
    unknown = [p for p in chosen if p not in configs]
    if unknown:
        raise ValueError(f"unknown provider {unknown[0]!r}; known: {', '.join(configs)}")
    return [configs[p] for p in chosen]


def provider_statuses(secrets: Mapping | None = None,
                      keys: Mapping[str, str] | None = None) -> list[dict]:
    """[{id, label, configured, model, base_url, takes_key, session_key}] for every known
    provider, with `keys` pasted for this session; never a key."""
    return [c.status() for c in load_configs(secrets, keys)]
