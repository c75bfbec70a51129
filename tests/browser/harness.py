"""Helpers of the real-browser tests: a JupyterLab server, a notebook page, its kernel.

The server runs on 127.0.0.1 with its own config, data and runtime directories and a temporary
root, so nothing of the developer's Jupyter setup (workspaces, settings, kernels) leaks in. The
widget labextensions (ipywidgets, anywidget, bqplot) are found through ``sys.prefix`` because the
server runs from this interpreter.

Kernel-side checks talk to the very kernel behind the page over ZMQ: the server writes each
kernel's connection file into our runtime directory, so a ``BlockingKernelClient`` can run short
expressions there while the optimiser thread keeps going. Those executions are ordinary cells for
the kernel, so they never overlap a page edit for long.

Never call ``playwright install``: the browser is the system's Chromium.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import secrets
import shutil
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[2]
OUTPUT = ROOT / "test-output" / "browser"
CHROMIUM = os.environ.get("HCW_CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
# Page-level timeouts: generous because two cores are shared by the server, the kernel with its
# optimiser thread, and Chromium.
TIMEOUT_MS = 30_000

# Console errors that are not about our widgets, each with why it is harmless: (substring, why).
# Empty on purpose: with the news and update checks turned off (see start_lab), a stock
# JupyterLab 4 on a fresh profile logs no error, so every console error fails the test.
BENIGN_CONSOLE: list[tuple[str, str]] = []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LabServer:
    url: str
    token: str
    root: Path
    runtime_dir: Path
    process: subprocess.Popen[bytes]
    log_path: Path

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        headers = {"Authorization": f"token {self.token}"}
        resp = requests.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
        resp.raise_for_status()
        return resp

    def lab_url(self, notebook: str) -> str:
        # ?reset drops the restored workspace so only this notebook is open.
        return f"{self.url}/lab/tree/{notebook}?reset&token={self.token}"

    def kernel_id_for(self, notebook: str) -> str | None:
        for sess in self.api("GET", "/api/sessions").json():
            if sess.get("path") == notebook and sess.get("kernel"):
                return str(sess["kernel"]["id"])
        return None

    def shutdown_kernels(self) -> None:
        for kern in self.api("GET", "/api/kernels").json():
            with contextlib.suppress(requests.RequestException):
                self.api("DELETE", f"/api/kernels/{kern['id']}")
        for sess in self.api("GET", "/api/sessions").json():
            with contextlib.suppress(requests.RequestException):
                self.api("DELETE", f"/api/sessions/{sess['id']}")


def start_lab(base: Path) -> LabServer:
    """Start JupyterLab on 127.0.0.1 with every Jupyter directory under ``base``."""
    root = base / "root"
    dirs = {name: base / name for name in ("config", "data", "runtime")}
    for d in (root, *dirs.values()):
        d.mkdir(parents=True, exist_ok=True)
    # No "get notified about news?" toast over the widgets in screenshots, and no fetch of it.
    notif = dirs["config"] / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
    notif.mkdir(parents=True)
    (notif / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    port = _free_port()
    token = secrets.token_hex(16)
    env = dict(os.environ)
    env.update(
        JUPYTER_CONFIG_DIR=str(dirs["config"]),
        JUPYTER_DATA_DIR=str(dirs["data"]),
        JUPYTER_RUNTIME_DIR=str(dirs["runtime"]),
        # The kernel imports the package from the checkout, not from an installed copy.
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        HCW_NOTEBOOK_BUDGET=env.get("HCW_NOTEBOOK_BUDGET", "12"),
        # The notebooks slow their trials down for people; a test needs no time to steer.
        HCW_NOTEBOOK_PACE=env.get("HCW_NOTEBOOK_PACE", "0.02"),
        # Keep numpy/sklearn from spawning a thread per core on a two-core machine.
        OMP_NUM_THREADS="1",
        OPENBLAS_NUM_THREADS="1",
        MKL_NUM_THREADS="1",
    )
    OUTPUT.mkdir(parents=True, exist_ok=True)
    log_path = OUTPUT / "jupyterlab.log"
    cmd = [
        sys.executable,
        "-m",
        "jupyter",
        "lab",
        "--no-browser",
        "--ip=127.0.0.1",
        f"--port={port}",
        "--port-retries=0",
        f"--ServerApp.token={token}",
        "--ServerApp.password=",
        "--allow-root",
        f"--ServerApp.root_dir={root}",
        # Lets the tests drive commands ("run all cells") without fragile menu clicks.
        "--LabApp.expose_app_in_browser=True",
        # No news or update polling against the internet.
        "--LabApp.news_url=",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    with open(log_path, "wb") as log:
        # The child keeps its own copy of the descriptor; ours can close at once.
        proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root)
    url = f"http://127.0.0.1:{port}"
    server = LabServer(url, token, root, dirs["runtime"], proc, log_path)
    deadline = time.monotonic() + 90
    while True:
        if proc.poll() is not None:
            raise RuntimeError(
                f"JupyterLab exited ({proc.returncode}):\n{log_path.read_text()[-3000:]}"
            )
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                return server
        except requests.RequestException:
            pass
        if time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"JupyterLab did not answer:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.3)


def stop_lab(server: LabServer) -> None:
    with contextlib.suppress(requests.RequestException):
        server.shutdown_kernels()
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


@dataclass
class ConsoleLog:
    """Console errors and uncaught page errors seen during one test."""

    errors: list[str] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)
    everything: list[str] = field(default_factory=list)  # every message, kept for the log file

    def add(self, text: str) -> None:
        for needle, _why in BENIGN_CONSOLE:
            if needle in text:
                self.ignored.append(text)
                return
        self.errors.append(text)


class Kernel:
    """A client of the kernel behind the page, for checks that must be made in the kernel."""

    def __init__(self, connection_file: Path) -> None:
        from jupyter_client import BlockingKernelClient

        self.client = BlockingKernelClient()
        self.client.load_connection_file(str(connection_file))
        self.client.session.session = uuid.uuid4().hex  # our own session, not the page's
        self.client.start_channels()
        # Not wait_for_ready(): after the kernel_info reply it drains IOPub until 0.2 s of
        # silence, which never comes while a run streams widget messages. The reply is enough.
        msg_id = self.client.kernel_info()
        deadline = time.monotonic() + 60
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("the kernel did not answer kernel_info")
            try:
                reply = self.client.get_shell_msg(timeout=left)
            except queue.Empty:
                continue
            if reply["parent_header"].get("msg_id") == msg_id:
                break

    def eval(self, expr: str, timeout: float = 60) -> Any:
        """Evaluate ``expr`` in the kernel and return its value, passed through JSON."""
        code = f"import json as _j\nprint(_j.dumps({expr}, default=str))"
        return json.loads(self.exec(code, timeout=timeout))

    def exec(self, code: str, timeout: float = 60) -> str:
        """Run ``code`` in the kernel and return what it printed; raise on an error."""
        chunks: list[str] = []
        error: list[str] = []

        def on_output(msg: dict[str, Any]) -> None:
            kind = msg["header"]["msg_type"]
            content = msg["content"]
            if kind == "stream" and content.get("name") == "stdout":
                chunks.append(content["text"])
            elif kind == "error":
                error.append(f"{content['ename']}: {content['evalue']}")

        # store_history=False keeps these checks out of the notebook's execution counts.
        reply = self.client.execute_interactive(
            code, store_history=False, timeout=timeout, output_hook=on_output
        )
        if reply["content"]["status"] != "ok" or error:
            raise AssertionError(f"kernel error running {code!r}: {error or reply['content']}")
        return "".join(chunks)

    def close(self) -> None:
        self.client.stop_channels()


@dataclass
class Notebook:
    """A notebook open in JupyterLab in its own browser context, with its kernel."""

    page: Any
    server: LabServer
    name: str
    console: ConsoleLog
    output_dir: Path
    _kernel: Kernel | None = None

    @property
    def panel(self) -> Any:
        return self.page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)")

    def command(self, command_id: str, args: dict[str, Any] | None = None) -> None:
        self.page.evaluate(
            "([id, args]) => window.jupyterapp.commands.execute(id, args)", [command_id, args or {}]
        )

    def run_all(self) -> None:
        self.command("notebook:run-all-cells")

    def run_cell(self, index: int) -> None:
        """Run cell ``index`` from the page, as the notebook's own "run cell" command does.

        Going through JupyterLab's command rather than a click keeps it independent of where
        the cell is scrolled (cells far off screen may not be in the DOM).
        """
        self.page.evaluate(
            """(i) => {
                const panel = window.jupyterapp.shell.currentWidget;
                panel.content.mode = 'command';
                panel.content.activeCellIndex = i;
                return window.jupyterapp.commands.execute('notebook:run-cell');
            }""",
            index,
        )

    def wait_idle(self, timeout_ms: int = 120_000) -> None:
        """Wait until no cell shows ``[*]`` and the kernel reports idle."""
        self.page.wait_for_function(
            """() => {
                const p = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
                if (!p) return false;
                const prompts = [...p.querySelectorAll('.jp-InputArea-prompt')];
                return prompts.length > 0 && !prompts.some(e => e.textContent.includes('*'));
            }""",
            timeout=timeout_ms,
        )

    def wait_cell_done(self, index: int, timeout_ms: int = 120_000) -> None:
        """Wait for cell ``index`` to get its execution count; fail if it raised."""
        self.page.wait_for_function(
            """(i) => {
                const cell = window.jupyterapp.shell.currentWidget.content.widgets[i];
                return cell.model.executionCount !== null;
            }""",
            arg=index,
            timeout=timeout_ms,
        )
        errors = self.page.evaluate(
            """(i) => {
                const outs = window.jupyterapp.shell.currentWidget.content.widgets[i]
                    .model.outputs.toJSON();
                return outs.filter(o => o.output_type === 'error')
                    .map(o => o.ename + ': ' + o.evalue);
            }""",
            index,
        )
        assert not errors, f"cell {index} raised: {errors}"

    @property
    def kernel(self) -> Kernel:
        if self._kernel is None:
            deadline = time.monotonic() + 60
            kid = None
            while kid is None:
                kid = self.server.kernel_id_for(self.name)
                if kid is None:
                    if time.monotonic() > deadline:
                        raise AssertionError(f"no kernel session for {self.name}")
                    time.sleep(0.3)
            conn = self.server.runtime_dir / f"kernel-{kid}.json"
            while not conn.exists():
                if time.monotonic() > deadline:
                    raise AssertionError(f"no connection file {conn}")
                time.sleep(0.2)
            self._kernel = Kernel(conn)
        return self._kernel

    def goto(self) -> None:
        """Load (or reload) the notebook page and wait for its kernel to be idle and connected."""
        self.page.goto(self.server.lab_url(self.name))
        self.panel.locator(".jp-Cell").first.wait_for(timeout=60_000)
        wait_kernel_idle(self.page)
        # More room for the widgets in screenshots; the file browser is of no use here.
        self.page.evaluate("() => window.jupyterapp.shell.collapseLeft()")

    def reload(self) -> None:
        self.page.reload()
        self.panel.locator(".jp-Cell").first.wait_for(timeout=60_000)
        wait_kernel_idle(self.page)

    def close_kernel_client(self) -> None:
        """Stop the run (best effort) and disconnect our side client from the kernel."""
        if self._kernel is None:
            return
        # Best effort: the kernel is shut down right after in any case.
        with contextlib.suppress(Exception):
            self._kernel.exec("run.stop(wait=True) if 'run' in globals() else None", 60)
        self._kernel.close()
        self._kernel = None

    def screenshot(self, scenario: str) -> Path:
        path = self.output_dir / f"{scenario}.png"
        self.page.screenshot(path=str(path), full_page=False)
        return path

    def widget_errors(self) -> list[str]:
        """Texts of any "Error displaying widget" placeholders or widget tracebacks in outputs."""
        return list(
            self.page.evaluate(
                """() => [...document.querySelectorAll('.jp-OutputArea-output')]
                    .map(e => e.innerText)
                    .filter(t => t.includes('Error displaying widget')
                              || t.includes('Traceback')
                              || t.includes('Error:')
                              || t.includes('bundle') && t.includes('was not built'))"""
            )
        )

    def assert_clean(self) -> None:
        assert not self.widget_errors(), self.widget_errors()
        assert not self.console.errors, "browser console errors:\n" + "\n".join(self.console.errors)


def write_notebook(path: Path, cells: list[str]) -> None:
    """Write a notebook of code cells with the venv's python3 kernel."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nb.cells = [nbformat.v4.new_code_cell(src) for src in cells]
    nbformat.write(nb, str(path))


def wait_kernel_idle(page: Any) -> None:
    page.wait_for_function(
        """() => {
            const s = window.jupyterapp.shell.currentWidget;
            const k = s && s.sessionContext && s.sessionContext.session
                && s.sessionContext.session.kernel;
            return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
        }""",
        timeout=90_000,
    )


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile; enough for reporting latencies."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]


LATENCIES: dict[str, dict[str, Any]] = {}


def record_latency(name: str, samples_ms: list[float]) -> dict[str, Any]:
    """Keep a latency series for the terminal summary and test-output/latency.json."""
    summary = {
        "n": len(samples_ms),
        "p50_ms": round(percentile(samples_ms, 50), 1),
        "p95_ms": round(percentile(samples_ms, 95), 1),
        "max_ms": round(max(samples_ms), 1) if samples_ms else None,
        "samples_ms": [round(s, 1) for s in samples_ms],
    }
    LATENCIES[name] = summary
    out = ROOT / "test-output" / "latency.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    if out.exists():
        try:
            existing = json.loads(out.read_text())
        except ValueError:
            existing = {}
    existing[name] = summary
    out.write_text(json.dumps(existing, indent=2))
    return summary
