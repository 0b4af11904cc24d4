"""A small Language Server Protocol client: drives yaml-language-server (npm) over stdio as an
editor would, to test the schemas with the tool authors' editors actually run."""

from __future__ import annotations

import json
import queue
import subprocess
import threading
from pathlib import Path
from typing import Any

from conftest import ROOT

SERVER = ROOT / "node_modules" / "yaml-language-server" / "bin" / "yaml-language-server"


class Client:
    """One yaml-language-server process, initialised with validation, hover and completion."""

    def __init__(self, root: Path) -> None:
        self.proc = subprocess.Popen(["node", str(SERVER), "--stdio"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.messages: queue.Queue[dict[str, Any]] = queue.Queue()
        self.diagnostics: dict[str, dict[str, Any]] = {}
        self.versions: dict[str, int] = {}
        self._next = 0
        threading.Thread(target=self._read, daemon=True).start()
        self.request("initialize", {"processId": None, "rootUri": root.as_uri(),
                                    "capabilities": {"textDocument": {"completion": {
                                        "completionItem": {"snippetSupport": False}}}}})
        self.notify("initialized", {})
        self.notify("workspace/didChangeConfiguration", {"settings": {"yaml": {
            "validate": True, "hover": True, "completion": True, "schemaStore": {
                "enable": False}}}})

    def _read(self) -> None:
        out = self.proc.stdout
        assert out is not None
        while True:
            header = b""
            while not header.endswith(b"\r\n\r\n"):
                byte = out.read(1)
                if not byte:
                    return
                header += byte
            length = int(header.split(b"Content-Length:")[1].split(b"\r\n")[0])
            self.messages.put(json.loads(out.read(length)))

    def _send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self._send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float = 30) -> Any:
        """Send a request; answer the server's own requests meanwhile; return the result."""
        self._next += 1
        ident = self._next
        self._send({"id": ident, "method": method, "params": params})
        while True:
            message = self.messages.get(timeout=timeout)
            if message.get("id") == ident and "method" not in message:
                return message.get("result")
            self._handle(message)

    def _handle(self, message: dict[str, Any]) -> None:
        if message.get("method") == "textDocument/publishDiagnostics":
            params = message["params"]
            self.diagnostics[params["uri"]] = {"version": params.get("version"),
                                               "items": params["diagnostics"]}
        elif "id" in message and "method" in message:  # e.g. workspace/configuration
            items = message.get("params", {}).get("items", [])
            self._send({"id": message["id"], "result": [{"validate": True, "hover": True,
                                                         "completion": True}] * len(items)
                        if items else None})

    def open(self, path: Path, text: str | None = None, timeout: float = 30
             ) -> list[dict[str, Any]]:
        """Open a document (its file's text unless given), or replace the text of one already
        open, as an editor does on each keystroke; return its diagnostics."""
        uri = path.as_uri()
        text = path.read_text(encoding="utf-8") if text is None else text
        self.diagnostics.pop(uri, None)
        version = self.versions.get(uri, 0) + 1
        if version == 1:
            self.notify("textDocument/didOpen", {"textDocument": {
                "uri": uri, "languageId": "yaml", "version": version, "text": text}})
        else:
            self.notify("textDocument/didChange", {
                "textDocument": {"uri": uri, "version": version},
                "contentChanges": [{"text": text}]})
        self.versions[uri] = version
        # (Each text's diagnostics are awaited before the next is sent, so the next
        # publication is this text's, whether or not the server gives its version.)
        while self.diagnostics.get(uri, {"version": -1})["version"] not in (None, version):
            self._handle(self.messages.get(timeout=timeout))
        return self.diagnostics[uri]["items"]

    def complete(self, path: Path, line: int, character: int) -> list[str]:
        """Completion labels at a 0-based position of an open document."""
        result = self.request("textDocument/completion", {
            "textDocument": {"uri": path.as_uri()},
            "position": {"line": line, "character": character}})
        items = result.get("items", []) if isinstance(result, dict) else result or []
        return [item["label"] for item in items]

    def hover(self, path: Path, line: int, character: int) -> str:
        """Hover text at a 0-based position of an open document."""
        result = self.request("textDocument/hover", {
            "textDocument": {"uri": path.as_uri()},
            "position": {"line": line, "character": character}})
        if not result:
            return ""
        contents = result["contents"]
        return contents["value"] if isinstance(contents, dict) else str(contents)

    def close(self) -> None:
        try:
            self.request("shutdown", {}, timeout=10)
            self.notify("exit", {})
            self.proc.wait(timeout=10)
        except Exception:
            self.proc.kill()
            self.proc.wait()
