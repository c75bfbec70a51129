"""Fixtures of the real-browser tests: one JupyterLab server and one Chromium per session.

Every test opens its notebook in a fresh browser context (no shared storage or workspace) and
its own kernel; the kernels are shut down after each test so a finished scenario's optimiser
thread does not steal one of the two cores from the next.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.harness import (
    CHROMIUM,
    CHROMIUM_ARGS,
    LATENCIES,
    OUTPUT,
    ROOT,
    TIMEOUT_MS,
    ConsoleLog,
    LabServer,
    Notebook,
    start_lab,
    stop_lab,
    wait_kernel_idle,
)


@pytest.fixture(scope="session")
def output_dir() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LabServer]:
    bundle = ROOT / "hcautoml_widgets" / "static" / "control_bar.js"
    if not bundle.is_file():
        # Without it every view would only say so, and each test would time out on selectors.
        pytest.fail(f"{bundle} is missing: build it with `cd js && npm ci && npm run build`")
    try:
        server = start_lab(tmp_path_factory.mktemp("jupyterlab"))
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        stop_lab(server)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def open_notebook(
    lab_server: LabServer, browser: Any, output_dir: Path, request: pytest.FixtureRequest
) -> Iterator[Callable[[str], Notebook]]:
    """Open a notebook of the server's root in a fresh browser context; clean up after."""
    opened: list[tuple[Any, Notebook]] = []

    def _open(name: str) -> Notebook:
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        context.set_default_timeout(TIMEOUT_MS)
        page = context.new_page()
        console = ConsoleLog()

        def on_console(msg: Any) -> None:
            console.everything.append(f"[{msg.type}] {msg.text}")
            if msg.type == "error":
                console.add(f"{msg.text} @ {msg.location.get('url', '')}")

        page.on("console", on_console)
        page.on("pageerror", lambda exc: console.add(f"pageerror: {exc}"))
        nb = Notebook(page, lab_server, name, console, output_dir)
        opened.append((context, nb))
        nb.goto()
        return nb

    try:
        yield _open
    finally:
        for context, nb in opened:
            # The page's whole console, to look at when a test fails or to review the noise.
            log = output_dir / f"console-{request.node.name}.log"
            log.write_text("\n".join(nb.console.everything) + "\n")
            nb.close_kernel_client()
            context.close()
        lab_server.shutdown_kernels()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not LATENCIES:
        return
    terminalreporter.section("hcautoml-widgets latency (browser)")
    for name, s in LATENCIES.items():
        terminalreporter.write_line(
            f"{name}: n={s['n']} p50={s['p50_ms']} ms p95={s['p95_ms']} ms max={s['max_ms']} ms"
        )


__all__ = ["wait_kernel_idle"]
