"""Settings in AppTest: a key pasted for this browser session is tested with one tiny request,
shown by its outcome, used for generation in this session, and never reaches the store, the
logs, the environment or another provider."""

from __future__ import annotations

import logging
import os

import pytest
from fake_llm_server import FAKE_KEYS, FakeLLMServer, answer, failure, ok
from test_app import button, home, open_app, texts  # noqa: F401 (home: the autouse data dir)

pytestmark = pytest.mark.usefixtures("no_provider_settings")

PASTED = "sk-ant-PASTED-in-the-browser-5e1f"
REJECTED = "sk-ant-REJECTED-key-77aa"
CODE = ('def reward(s, a, prev_a):\n'
        '    up = jnp.exp(-jnp.square(s.base_height - 0.3) / 0.01)\n'
        '    return up, {"height": up}')
TEXT = answer([{"name": f"Stand {i}", "description": "Hold the height.", "code": CODE}
               for i in range(3)])


def sent_keys(server: FakeLLMServer) -> list[str]:
    keys = []
    for request in server.requests:
        headers = {k.lower(): v for k, v in request.headers.items()}
        keys.append(headers.get("x-api-key")
                    or headers.get("authorization", "").removeprefix("Bearer "))
    return keys


def key_table(at) -> dict:
    return at.dataframe[0].value.set_index("id")["key"].to_dict()


def paste(at, provider: str, key: str):
    at.text_input(key=f"key-{provider}").input(key)
    return at.button(key=f"use-key-{provider}").click().run()


def test_a_pasted_key_is_tested_used_and_never_stored_logged_or_shared(monkeypatch, caplog,
                                                                       home):  # noqa: F811
    for name in ("", "tabrl_core", "anthropic", "openai", "streamlit"):
        caplog.set_level(logging.DEBUG, logger=name)
    claude, gpt = FakeLLMServer("anthropic"), FakeLLMServer("openai")
    with claude, gpt:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)
        monkeypatch.setenv("OPENAI_BASE_URL", gpt.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", FAKE_KEYS["openai"])
        claude.script(failure("anthropic", 401, f"invalid key {REJECTED}"),
                      ok("anthropic", "OK"), ok("anthropic", TEXT))
        gpt.script(ok("openai", TEXT))

        at = open_app("pages/settings.py")
        assert key_table(at)["anthropic"] == "none" and key_table(at)["openai"] == "settings"
        paste(at, "anthropic", REJECTED)
        assert not at.exception, at.exception
        assert any("Claude: the key was rejected" in e for e in texts(at.error))
        assert any(t.startswith("authentication: ") for t in texts(at.text))
        assert "provider_keys" not in at.session_state or not at.session_state.provider_keys

        paste(at, "anthropic", f"  {PASTED}\n")
        assert any("Claude: the key works (kept for this session)" in s for s in texts(at.success))
        assert key_table(at)["anthropic"] == "this session"
        assert at.text_input(key="key-anthropic").value == ""  # the form forgets what was typed
        assert sent_keys(claude) == [REJECTED, PASTED]

        at.switch_page("pages/train.py").run()
        at.text_area(key="behavior").input("Stand up tall and stay still").run()
        button(at, "Generate approaches").click().run()
        assert not at.exception, at.exception
        results = at.session_state.generated["results"]
        assert results["anthropic"].error is None and results["openai"].error is None
        assert sent_keys(claude)[-1] == PASTED
        assert sent_keys(gpt) == [FAKE_KEYS["openai"]]  # each provider got its own key only
        button(at, "Train all").click().run()
        assert at.query_params["run"]

    assert all(PASTED not in v for v in os.environ.values())
    assert PASTED not in caplog.text
    assert PASTED not in repr(dict(at.query_params))
    for path in home.rglob("*"):
        if path.is_file():
            assert PASTED.encode() not in path.read_bytes(), path


def test_forget_drops_the_session_key(monkeypatch):
    with FakeLLMServer("anthropic") as claude:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)
        claude.script(failure("anthropic", 429, "slow down", retry_after="0"))
        at = open_app("pages/settings.py")
        paste(at, "anthropic", PASTED)
    assert any("rate limiting it now (kept for this session)" in w for w in texts(at.warning))
    assert key_table(at)["anthropic"] == "this session"
    at.button(key="forget-key-anthropic").click().run()
    assert key_table(at)["anthropic"] == "none"
    assert not at.session_state.provider_keys


def test_a_malformed_key_is_refused_without_a_request(monkeypatch):
    with FakeLLMServer("anthropic") as claude:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", claude.base_url)
        at = open_app("pages/settings.py")
        paste(at, "anthropic", "two words")
    assert any("blanks or control characters" in e for e in texts(at.error))
    assert claude.requests == []
