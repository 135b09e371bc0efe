"""check_key: a key pasted for one session is tested with one tiny request through the real SDK
(against the local fake server), its outcome named in the providers' error categories; the key
goes to its own provider only and never into a log, a result or another provider's request."""

import json
import logging

import pytest
from fake_llm_server import (
    FAKE_KEYS, PROVIDER_OF, FakeLLMServer, Reply, answer, failure, ok, secrets_for)

from tabrl_core.providers import check_key, generate_approaches, provider_statuses

pytestmark = pytest.mark.usefixtures("no_provider_settings")

APIS = ("anthropic", "openai", "gemini", "chat")
PASTED = "sk-PASTED-for-this-session-0123456789"
CODE = ('def reward(s, a, prev_a):\n'
        '    up = jnp.exp(-jnp.square(s.base_height - 0.3) / 0.01)\n'
        '    return up, {"height": up}')
TEXT = answer([{"name": f"Stand {i}", "description": "Hold the height.", "code": CODE}
               for i in range(3)])


def settings_without_keys(servers: dict, timeout_s: float = 5.0) -> dict:
    """Base URLs (and the compatible server's entry) for `servers`, but no key at all."""
    secrets = secrets_for(servers, timeout_s)
    return {k: v for k, v in secrets.items() if not k.endswith("_API_KEY") and k != "LOCAL_LLM_KEY"}


def sent_key(api: str, request) -> str | None:
    headers = {k.lower(): v for k, v in request.headers.items()}
    if api == "gemini":
        return headers.get("x-goog-api-key")
    bearer = headers.get("authorization", "").removeprefix("Bearer ") or None
    return headers.get("x-api-key") or bearer if api == "anthropic" else bearer


@pytest.mark.parametrize("api", APIS)
def test_a_working_key_is_one_tiny_request_with_that_key(api):
    with FakeLLMServer(api) as server:
        server.script(ok(api, "OK", input_tokens=12, output_tokens=1))
        check = check_key(PROVIDER_OF[api], PASTED, settings_without_keys({api: server}))
    assert (check.ok, check.error_kind, check.outcome) == (True, None, "the key works")
    assert len(server.requests) == 1
    assert sent_key(api, server.requests[0]) == PASTED
    body = server.requests[0].body
    limit = {"anthropic": body.get("max_tokens"), "openai": body.get("max_output_tokens"),
             "chat": body.get("max_tokens"),
             "gemini": body.get("generationConfig", {}).get("maxOutputTokens")}[api]
    assert limit is not None and limit <= 16
    assert "approaches" not in json.dumps(body)  # not the design prompt
    assert PASTED not in repr(check)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("reply, kind", [
    (lambda api: failure(api, 401, f"invalid x-api-key {PASTED}"), "authentication"),
    (lambda api: failure(api, 429, "slow down", retry_after="0"), "rate_limited"),
    (lambda api: failure(api, 503, "overloaded"), "unavailable"),
    (lambda api: failure(api, 404, "model not found"), "bad_request"),
], ids=["401", "429", "503", "404"])
def test_a_failing_key_is_named_in_the_error_categories_without_retrying(api, reply, kind):
    with FakeLLMServer(api) as server:
        server.script(reply(api), ok(api, "OK"))
        check = check_key(PROVIDER_OF[api], PASTED, settings_without_keys({api: server}))
    assert (check.ok, check.error_kind) == (False, kind)
    assert len(server.requests) == 1  # one request, even for retryable failures
    assert PASTED not in check.message and PASTED not in repr(check)
    if kind == "authentication":
        assert check.outcome == "the key was rejected"


def test_a_silent_server_is_a_timeout():
    with FakeLLMServer("anthropic") as server:
        server.script(Reply(hold_s=30, body={}))
        check = check_key("anthropic", PASTED, settings_without_keys({"anthropic": server}, 0.5))
    assert (check.ok, check.error_kind) == (False, "timeout")
    assert check.latency_s < 5


@pytest.mark.parametrize("provider, key, message", [
    ("anthropic", "   ", "the key is empty"),
    ("anthropic", "sk-ant two words", "blanks or control characters"),
    ("anthropic", "sk-ant\nX-Injected: 1", "blanks or control characters"),
    ("anthropic", "k" * 600, "at most 512"),
    ("builtin", PASTED, "needs no key"),
    ("nope", PASTED, "unknown provider 'nope'"),
])
def test_bad_input_is_refused_before_any_request(provider, key, message):
    with pytest.raises(ValueError, match=message) as raised:
        check_key(provider, key)
    assert not key.strip() or key.strip() not in str(raised.value)


def test_a_session_key_configures_its_provider_only_and_wins_over_settings(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])
    statuses = {s["id"]: s for s in provider_statuses(keys={"anthropic": PASTED})}
    assert statuses["anthropic"]["configured"] and statuses["anthropic"]["session_key"]
    assert statuses["openai"]["configured"] and not statuses["openai"]["session_key"]
    assert not statuses["gemini"]["configured"]
    assert PASTED not in json.dumps(statuses)
    replaced = {s["id"]: s for s in provider_statuses(keys={"openai": PASTED})}
    assert replaced["openai"]["session_key"]


def test_generation_sends_the_session_key_to_its_provider_and_nowhere_else(monkeypatch, caplog):
    for name in ("", "tabrl_core", "anthropic", "openai", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    servers = {api: FakeLLMServer(api) for api in ("anthropic", "openai")}
    servers["anthropic"].script(ok("anthropic", TEXT))
    servers["openai"].script(ok("openai", TEXT))
    with servers["anthropic"], servers["openai"]:
        secrets = settings_without_keys(servers) | {"OPENAI_API_KEY": FAKE_KEYS["openai"]}
        results = generate_approaches("go1", "stand tall", ["anthropic", "openai"],
                                      secrets=secrets, keys={"anthropic": PASTED})
    assert all(r.error is None for r in results.values()), results
    assert [sent_key("anthropic", r) for r in servers["anthropic"].requests] == [PASTED]
    assert [sent_key("openai", r) for r in servers["openai"].requests] == [FAKE_KEYS["openai"]]
    assert PASTED not in json.dumps(servers["openai"].requests[0].headers)
    assert PASTED not in caplog.text
    assert PASTED not in json.dumps({p: r.to_dict() for p, r in results.items()})


def test_answers_are_cached_per_key():
    with FakeLLMServer("anthropic") as server:
        server.script(ok("anthropic", TEXT), ok("anthropic", TEXT))
        secrets = settings_without_keys({"anthropic": server})
        for key in (PASTED, PASTED, PASTED + "-other"):
            generate_approaches("go1", "stand still", ["anthropic"], secrets=secrets,
                                keys={"anthropic": key})
    assert [sent_key("anthropic", r) for r in server.requests] == [PASTED, PASTED + "-other"]
