"""API keys never appear in logs (ours or the SDKs', at DEBUG), results, exports or errors."""

import argparse
import json
import logging

import pytest
from fake_llm_server import (
    FAKE_KEYS, PROVIDER_OF, FakeLLMServer, Reply, answer, failure, ok, secrets_for)

from tabrl_core.providers import generate_approaches, provider_statuses
from tabrl_core.providers.cli import add_approaches_command
from tabrl_core.providers.config import load_configs

pytestmark = pytest.mark.usefixtures("no_provider_settings")

CODE = ('def reward(s, a, prev_a):\n'
        '    up = jnp.exp(-jnp.square(s.base_height - 0.3) / 0.01)\n'
        '    return up, {"height": up}')
TEXT = answer([{"name": f"Stand {i}", "description": "Hold the height.", "code": CODE} for i in range(3)])
LOGGERS = ("", "tabrl_core", "anthropic", "openai", "google_genai", "httpx2", "httpcore2")


@pytest.fixture
def debug_logs(caplog):
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    return caplog


def scripted_servers():
    """Success for Claude; for the others, error paths whose bodies even echo the key back."""
    servers = {api: FakeLLMServer(api) for api in ("anthropic", "openai", "gemini", "chat")}
    servers["anthropic"].script(ok("anthropic", TEXT))
    servers["openai"].script(failure("openai", 401, f"Incorrect API key provided: {FAKE_KEYS['openai']}"))
    servers["gemini"].script(*[failure("gemini", 500, f"backend error for key {FAKE_KEYS['gemini']}")] * 5)
    servers["chat"].script(Reply(400, f"key {FAKE_KEYS['chat']} rejected: not JSON at all"),
                           Reply(hold_s=30, body={}))
    return servers


def assert_no_key_in(text: str):
    for key in FAKE_KEYS.values():
        assert key not in text


def test_keys_stay_out_of_logs_results_exports_and_errors(monkeypatch, debug_logs, capsys):
    servers = scripted_servers()
    with servers["anthropic"], servers["openai"], servers["gemini"], servers["chat"]:
        for name, value in secrets_for(servers, timeout_s=2).items():  # keys from the environment
            monkeypatch.setenv(name, value)
        results = generate_approaches("go1", "stand tall", [PROVIDER_OF[a] for a in servers],
                                      use_cache=False)  # every provider really asked
        parser = argparse.ArgumentParser()
        add_approaches_command(parser.add_subparsers())
        args = parser.parse_args(["approaches", "--robot", "go1", "--behavior", "stand tall", "--json",
                                  "--providers", "anthropic"])
        assert args.func(args) == 0
    kinds = {pid: r.error_kind for pid, r in results.items()}
    assert kinds == {"anthropic": None, "openai": "authentication", "gemini": "unavailable",
                     "local": "timeout"}
    assert all(servers[api].requests for api in servers)  # every key was really sent
    assert "Request options" in debug_logs.text or "HTTP Request" in debug_logs.text  # SDK debug logs were captured
    assert_no_key_in(debug_logs.text)
    assert_no_key_in(repr(results) + json.dumps({p: r.to_dict() for p, r in results.items()}))
    assert_no_key_in(" ".join(r.error or "" for r in results.values()))
    assert_no_key_in(capsys.readouterr().out)
    assert_no_key_in(json.dumps(provider_statuses()) + repr(load_configs()))


def test_keys_stay_out_of_the_database(monkeypatch):
    from tabrl_core.jobs import get_status, start_batch
    from tabrl_core.store import db_path

    servers = scripted_servers()
    with servers["anthropic"]:
        for name, value in secrets_for(servers, timeout_s=2).items():
            monkeypatch.setenv(name, value)
        results = generate_approaches("go1", "stand tall", ["anthropic"])
    assert results["anthropic"].approaches, results["anthropic"].error
    batch = start_batch("go1", results["anthropic"].approaches, 10_000, behavior="stand tall",
                        start_worker=False)
    assert_no_key_in(json.dumps(get_status(batch.id), default=str))
    stored = b"".join(p.read_bytes() for p in db_path().parent.glob("tabrl.db*"))
    assert b"stand tall" in stored  # the run really is in these files
    for key in FAKE_KEYS.values():
        assert key.encode() not in stored
