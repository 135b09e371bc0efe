"""generate_approaches across providers: concurrency, isolation, the cache, bad input, the CLI."""

import argparse
import importlib
import json
import time

import pytest
from fake_llm_server import (
    PROVIDER_OF, FakeLLMServer, answer, failure, ok, secrets_for)

from tabrl_core.providers import generate_approaches
from tabrl_core.providers.cli import add_approaches_command
from tabrl_core.rewards import compile_rewards
from tabrl_core.robots import UnknownRobotError

pytestmark = pytest.mark.usefixtures("no_provider_settings")

CODE = ('def reward(s, a, prev_a):\n'
        '    fwd = jnp.exp(-jnp.square(s.base_lin_vel[0] - 1.0) / 0.25)\n'
        '    smooth = -0.01 * jnp.sum(jnp.square(a - prev_a))\n'
        '    return fwd + smooth, {"forward": fwd, "smooth": smooth}')
TEXT = answer([{"name": f"Way {i}", "description": "A strategy.", "code": CODE.replace("1.0", f"1.{i}")}
               for i in range(3)])


@pytest.fixture(scope="module", autouse=True)
def warm():
    """Import the SDKs and trace the programs once: the timed test measures the providers."""
    for module in ("anthropic_provider", "openai_provider", "openai_compatible", "gemini_provider"):
        importlib.import_module(f"tabrl_core.providers.{module}")
    codes = [a["code"] for a in json.loads(TEXT)["approaches"]]
    assert all(not isinstance(r, Exception) for r in compile_rewards(codes, "go1"))


def test_providers_run_at_once_and_one_failure_leaves_the_others_intact():
    hold = 1.5
    apis = ["anthropic", "openai", "gemini", "chat"]
    servers = {api: FakeLLMServer(api) for api in apis}
    for api, server in servers.items():
        reply = failure(api, 401, "bad key") if api == "gemini" else ok(api, TEXT)
        reply.hold_s = hold
        server.script(reply)
    with servers["anthropic"], servers["openai"], servers["gemini"], servers["chat"]:
        start = time.monotonic()
        results = generate_approaches("go1", "trot forward", [PROVIDER_OF[a] for a in apis],
                                      secrets=secrets_for(servers, timeout_s=10), use_cache=False)
        wall = time.monotonic() - start
    assert list(results) == ["anthropic", "openai", "gemini", "local"]
    assert results["gemini"].error_kind == "authentication" and results["gemini"].approaches == []
    for pid in ("anthropic", "openai", "local"):
        assert results[pid].error is None
        assert [a.code for a in results[pid].approaches] == [a["code"] for a in json.loads(TEXT)["approaches"]]
        assert all(a.valid for a in results[pid].approaches)
    arrivals = [server.requests[0].at for server in servers.values()]
    assert max(arrivals) - min(arrivals) < hold  # every request was sent before any was answered
    latencies = [r.latency_s for r in results.values()]
    assert min(latencies) >= hold
    assert wall < max(latencies) + 1.0 < sum(latencies)  # the slowest sets the wait, not the sum


def test_providers_without_keys_are_not_configured_and_builtin_still_designs():
    results = generate_approaches("go1", "walk forward", use_cache=False)
    assert list(results) == ["anthropic", "openai", "gemini", "builtin"]
    for pid, variable in [("anthropic", "ANTHROPIC_API_KEY"), ("openai", "OPENAI_API_KEY"),
                          ("gemini", "GEMINI_API_KEY or GOOGLE_API_KEY")]:
        assert results[pid].error_kind == "not_configured"
        assert results[pid].error.endswith(f"set {variable}")
    builtin = results["builtin"]
    assert builtin.error is None and len(builtin.approaches) == 3
    assert all(a.valid and a.components for a in builtin.approaches)


def test_identical_requests_are_cached_and_regenerate_bypasses_the_cache():
    with FakeLLMServer("anthropic") as server:
        server.script(ok("anthropic", TEXT), ok("anthropic", TEXT))
        secrets = secrets_for({"anthropic": server})
        first = generate_approaches("go1", "hop in place", ["anthropic"], secrets=secrets)["anthropic"]
        again = generate_approaches("go1", "  hop in place ", ["anthropic"], secrets=secrets)["anthropic"]
        assert len(server.requests) == 1 and "cache" in again.note
        assert [a.code for a in again.approaches] == [a.code for a in first.approaches]
        again.approaches.clear()  # a caller's changes never reach the cache
        fresh = generate_approaches("go1", "hop in place", ["anthropic"], secrets=secrets,
                                    use_cache=False)["anthropic"]
        assert len(server.requests) == 2 and fresh.note is None and len(fresh.approaches) == 3
        other = {**secrets, "ANTHROPIC_MODEL": "claude-opus-5-5"}
        server.script(ok("anthropic", TEXT))
        generate_approaches("go1", "hop in place", ["anthropic"], secrets=other)
        assert len(server.requests) == 3  # another model is another request


def test_failed_requests_are_not_cached():
    with FakeLLMServer("openai") as server:
        server.script(failure("openai", 400, "unknown model"), ok("openai", TEXT))
        secrets = secrets_for({"openai": server})
        assert generate_approaches("go1", "sit", ["openai"], secrets=secrets)["openai"].error_kind == "bad_request"
        assert generate_approaches("go1", "sit", ["openai"], secrets=secrets)["openai"].error is None


@pytest.mark.parametrize("robot, behavior, providers, error, message", [
    ("go9", "walk", None, UnknownRobotError, "unknown robot 'go9'"),
    ("go1", "   ", None, ValueError, "behaviour is empty"),
    ("go1", "x" * 5000, None, ValueError, "at most 2000"),
    ("go1", "walk", ["claude"], ValueError, "unknown provider 'claude'"),
])
def test_bad_input_raises_before_any_request(robot, behavior, providers, error, message):
    with pytest.raises(error, match=message):
        generate_approaches(robot, behavior, providers)


def cli(*argv):
    parser = argparse.ArgumentParser(prog="tabrl")
    add_approaches_command(parser.add_subparsers())
    args = parser.parse_args(["approaches", *argv])
    return args.func(args)


def test_cli_prints_results_as_json_and_as_text(monkeypatch, capsys):
    with FakeLLMServer("anthropic") as server:
        server.script(ok("anthropic", TEXT))
        for name, value in secrets_for({"anthropic": server}).items():
            monkeypatch.setenv(name, value)
        assert cli("--robot", "go1", "--behavior", "spin on the spot", "--providers", "anthropic", "--json") == 0
        printed = json.loads(capsys.readouterr().out)
        assert list(printed) == ["anthropic"]
        assert [a["valid"] for a in printed["anthropic"]["approaches"]] == [True] * 3
        assert cli("--robot", "go1", "--behavior", "spin on the spot", "--providers", "anthropic") == 0
        text = capsys.readouterr().out
    assert text.startswith("anthropic (claude-sonnet-5-5): 3 approaches, 3 valid")
    assert "from this session's cache" in text and "components: forward, smooth" in text


@pytest.mark.parametrize("argv, message", [
    (["--robot", "go9", "--behavior", "walk"], "unknown robot 'go9'"),
    (["--robot", "go1", "--behavior", ""], "behaviour is empty"),
    (["--robot", "go1", "--behavior", "walk", "--providers", "anthropic,nope"], "unknown provider 'nope'"),
])
def test_cli_bad_input_exits_non_zero_with_one_line(capsys, argv, message):
    assert cli(*argv) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    assert err.startswith("tabrl approaches: ") and message in err


def test_an_unreachable_server_is_unavailable_not_a_crash():
    with FakeLLMServer("chat") as server:
        secrets = secrets_for({"chat": server}, timeout_s=1.5)
    result = generate_approaches("go1", "walk", ["local"], secrets=secrets)["local"]  # server closed
    assert result.error_kind == "unavailable" and "cannot reach Local" in result.error
    assert result.latency_s < 1.5 + 0.5
