"""A local stand-in for the LLM APIs, for the real SDK clients to talk to through base_url.

One FakeLLMServer speaks one API on 127.0.0.1 (an ephemeral port), at that API's real path and
in its real response shapes. A test scripts its replies in order; the server records every
request it receives (path, headers, JSON body, arrival time) and answers 404 on any other path.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PATHS = {
    "anthropic": re.compile(r"^/v1/messages$"),
    "openai": re.compile(r"^/v1/responses$"),
    "chat": re.compile(r"^/v1/chat/completions$"),
    "gemini": re.compile(r"^/v1beta/models/[^/:]+:generateContent$"),
}


@dataclass
class Reply:
    """One scripted answer: HTTP status, JSON body (or raw text), headers, and a hold time."""

    status: int = 200
    body: object = None
    headers: dict = field(default_factory=dict)
    hold_s: float = 0.0  # the server waits this long before answering


@dataclass
class Received:
    """One request as the server saw it."""

    path: str
    headers: dict
    body: dict
    at: float  # time.monotonic() on arrival


class FakeLLMServer:
    """An HTTP server speaking `api` ("anthropic", "openai", "chat" or "gemini")."""

    def __init__(self, api: str):
        self.api = api
        self.requests: list[Received] = []
        self._replies: list[Reply] = []
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        """The URL to give the SDK: OpenAI-style clients expect the /v1 prefix in it."""
        root = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        return root + "/v1" if self.api in ("openai", "chat") else root

    def script(self, *replies: Reply) -> FakeLLMServer:
        """Answer the next requests with `replies`, in order; then 500 "no scripted reply"."""
        with self._lock:
            self._replies.extend(replies)
        return self

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._closing.set()  # release any held request
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def _next(self, received: Received) -> Reply:
        with self._lock:
            self.requests.append(received)
            if self._replies:
                return self._replies.pop(0)
        return Reply(500, error_body(self.api, 500, "no scripted reply"))

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 (http.server's naming)
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length)
                if not PATHS[server.api].match(path):
                    self._send(Reply(404, error_body(server.api, 404, f"no route {path}")))
                    return
                body = json.loads(raw or b"{}")
                reply = server._next(Received(path, dict(self.headers), body, time.monotonic()))
                if reply.hold_s and server._closing.wait(reply.hold_s):
                    return
                self._send(reply)

            def _send(self, reply: Reply):
                data = reply.body if isinstance(reply.body, str) else json.dumps(reply.body)
                try:
                    self.send_response(reply.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(data.encode())))
                    for name, value in reply.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (its timeout), as the timeout tests intend

            def log_message(self, *args):
                pass

        return Handler


def images_in(api: str, body: dict) -> list[bytes]:
    """The images a request carries, decoded, in `api`'s request shape (base64 blocks for
    Claude, data URLs for OpenAI and compatible servers, inline data parts for Gemini)."""
    if api == "gemini":
        parts = [p for c in body.get("contents", []) for p in c.get("parts", [])]
        return [_b64(p["inlineData"]["data"]) for p in parts if "inlineData" in p]
    turns = body.get("input") if api == "openai" else body.get("messages")
    parts = [p for t in (turns if isinstance(turns, list) else [])
             if isinstance(t.get("content"), list) for p in t["content"]]
    if api == "anthropic":
        found = [p["source"]["data"] for p in parts if p.get("type") == "image"]
    elif api == "openai":
        found = [p["image_url"].split(",", 1)[1] for p in parts if p.get("type") == "input_image"]
    else:
        found = [p["image_url"]["url"].split(",", 1)[1] for p in parts
                 if p.get("type") == "image_url"]
    return [_b64(data) for data in found]


def _b64(data: str) -> bytes:
    """Standard or URL-safe base64 (the Gemini SDK sends the latter), padded or not."""
    return base64.urlsafe_b64decode(data.replace("+", "-").replace("/", "_")
                                    + "=" * (-len(data) % 4))


def answer(approaches: list[dict]) -> str:
    """The JSON text a model writes for `approaches` ({name, description, code} dicts)."""
    return json.dumps({"approaches": approaches})


def fenced(text: str, language: str = "json") -> str:
    """`text` inside one Markdown code fence, as chat models like to answer."""
    return f"```{language}\n{text}\n```"


def with_prose(text: str) -> str:
    """`text` with a chatty sentence before and after it."""
    return f"Here are the approaches you asked for:\n{text}\n\nLet me know if you want changes!"


def nested(depth: int) -> str:
    """An answer whose JSON nests `depth` lists deep inside the approaches list."""
    return '{"approaches": ' + "[" * depth + "]" * depth + "}"


def ok(api: str, text: str, *, input_tokens: int = 1200, output_tokens: int = 800) -> Reply:
    """A successful reply in `api`'s shape whose model output is `text`."""
    if api == "anthropic":
        body = {"id": "msg_fake", "type": "message", "role": "assistant", "model": "claude-sonnet-5-5",
                "content": [{"type": "text", "text": text}], "stop_reason": "end_turn",
                "stop_sequence": None,
                "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens}}
    elif api == "openai":
        body = _openai_response([{"type": "output_text", "text": text, "annotations": []}],
                                input_tokens, output_tokens)
    elif api == "chat":
        body = {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": "llama3.1",
                "choices": [{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": text}}],
                "usage": {"prompt_tokens": input_tokens, "completion_tokens": output_tokens,
                          "total_tokens": input_tokens + output_tokens}}
    else:
        body = _gemini_response(text, "STOP", input_tokens, output_tokens)
    return Reply(200, body)


def refusal(api: str) -> Reply:
    """The API's own way of declining: Claude's stop_reason "refusal", an OpenAI refusal part,
    Gemini's finishReason SAFETY."""
    if api == "anthropic":
        return Reply(200, {"id": "msg_fake", "type": "message", "role": "assistant",
                           "model": "claude-sonnet-5-5", "content": [], "stop_reason": "refusal",
                           "stop_sequence": None, "usage": {"input_tokens": 900, "output_tokens": 3}})
    if api == "openai":
        return Reply(200, _openai_response([{"type": "refusal", "refusal": "I can't help with that."}], 900, 8))
    if api == "chat":
        return Reply(200, {"id": "chatcmpl-fake", "object": "chat.completion", "created": 0,
                           "model": "llama3.1",
                           "choices": [{"index": 0, "finish_reason": "stop",
                                        "message": {"role": "assistant", "content": None,
                                                    "refusal": "I can't help with that."}}]})
    return Reply(200, _gemini_response(None, "SAFETY", 900, 0))


def error_body(api: str, status: int, message: str) -> dict:
    """An error body in `api`'s shape."""
    if api == "anthropic":
        kind = {401: "authentication_error", 429: "rate_limit_error"}.get(status, "api_error")
        return {"type": "error", "error": {"type": kind, "message": message}}
    if api == "gemini":
        names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND",
                 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL"}
        return {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN")}}
    return {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}


def failure(api: str, status: int, message: str = "something went wrong", **headers: str) -> Reply:
    """An HTTP error reply; keyword arguments become headers (retry_after -> retry-after)."""
    return Reply(status, error_body(api, status, message),
                 {name.replace("_", "-"): value for name, value in headers.items()})


def _openai_response(content: list[dict], input_tokens: int, output_tokens: int) -> dict:
    return {"id": "resp_fake", "object": "response", "created_at": 0, "status": "completed",
            "model": "gpt-5.5", "error": None, "incomplete_details": None,
            "output": [{"type": "message", "id": "msg_fake", "status": "completed",
                        "role": "assistant", "content": content}],
            "parallel_tool_calls": True, "tool_choice": "auto", "tools": [],
            "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens,
                      "total_tokens": input_tokens + output_tokens,
                      "input_tokens_details": {"cached_tokens": 0},
                      "output_tokens_details": {"reasoning_tokens": 0}}}


def _gemini_response(text: str | None, finish_reason: str, input_tokens: int, output_tokens: int) -> dict:
    candidate = {"finishReason": finish_reason, "index": 0}
    if text is not None:
        candidate["content"] = {"role": "model", "parts": [{"text": text}]}
    return {"candidates": [candidate], "modelVersion": "gemini-3.8-flash",
            "usageMetadata": {"promptTokenCount": input_tokens, "candidatesTokenCount": output_tokens,
                              "totalTokenCount": input_tokens + output_tokens}}


# Every variable the providers read; tests clear them so a developer's real keys never leak in.
PROVIDER_VARS = ("ANTHROPIC_API_KEY", "ANTHROPIC_AUTH_TOKEN", "ANTHROPIC_MODEL", "ANTHROPIC_BASE_URL",
                 "OPENAI_API_KEY", "OPENAI_MODEL", "OPENAI_BASE_URL", "GEMINI_API_KEY",
                 "GOOGLE_API_KEY", "GEMINI_MODEL", "GEMINI_BASE_URL", "GOOGLE_GEMINI_BASE_URL",
                 "TABRL_PROVIDER_TIMEOUT_S", "TABRL_OPENAI_COMPATIBLE", "GOOGLE_GENAI_USE_VERTEXAI",
                 "GOOGLE_GENAI_API_VERSION")

# Provider id each fake API stands behind.
PROVIDER_OF = {"anthropic": "anthropic", "openai": "openai", "gemini": "gemini", "chat": "local"}
FAKE_KEYS = {"anthropic": "sk-ant-FAKE-7f3a9c1e5b", "openai": "sk-proj-FAKE-2d8e4b6a0c",
             "gemini": "AIzaFAKE-9c1e5b7f3a", "chat": "sk-local-FAKE-4b6a0c2d8e"}


def secrets_for(servers: dict[str, FakeLLMServer], timeout_s: float = 5.0) -> dict:
    """A secrets mapping that points each provider at its fake server, with a fake key."""
    secrets = {"TABRL_PROVIDER_TIMEOUT_S": str(timeout_s)}
    for api, server in servers.items():
        if api == "anthropic":
            secrets |= {"ANTHROPIC_API_KEY": FAKE_KEYS[api], "ANTHROPIC_BASE_URL": server.base_url}
        elif api == "openai":
            secrets |= {"OPENAI_API_KEY": FAKE_KEYS[api], "OPENAI_BASE_URL": server.base_url}
        elif api == "gemini":
            secrets |= {"GEMINI_API_KEY": FAKE_KEYS[api], "GEMINI_BASE_URL": server.base_url}
        else:
            secrets |= {"LOCAL_LLM_KEY": FAKE_KEYS[api], "TABRL_OPENAI_COMPATIBLE": json.dumps(
                [{"id": "local", "label": "Local", "base_url": server.base_url, "model": "llama3.1",
                  "api_key_env": "LOCAL_LLM_KEY"}])}
    return secrets
