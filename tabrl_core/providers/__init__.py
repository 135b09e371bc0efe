"""LLM providers (Claude, GPT, Gemini, OpenAI-compatible servers) and the built-in designer.

`generate_approaches` asks them all at once for reward approaches; `provider_statuses` says
which are configured; `check_key` tests a key pasted for one session. Configuration:
docs/providers.md.
"""

from tabrl_core.providers.base import Approach, ProviderResult
from tabrl_core.providers.config import ProviderConfigError
from tabrl_core.providers.generate import generate_approaches
from tabrl_core.providers.keys import KeyCheck, check_key
from tabrl_core.providers.registry import provider_statuses

__all__ = ["Approach", "KeyCheck", "ProviderConfigError", "ProviderResult", "check_key",
           "generate_approaches", "provider_statuses"]
