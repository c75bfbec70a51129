// ControlBar view (twin of hcautoml_widgets/widgets/control_bar.py).
//
// Selectors for browser tests:
//   .hcw-control-bar[data-status="running"]       root; data-status follows run.status
//   button[data-action="start"|"pause"|"resume"|"step"|"stop"]   (disabled when not applicable)
//   input.hcw-n-trials, input.hcw-step-n          trials for start / step
//   .hcw-status, .hcw-progress-fill (style width %), .hcw-progress-text ("12 / 100 trials",
//   the run's totals: trials done / the total at which its budget ends),
//   .hcw-elapsed, .hcw-eta, .hcw-best, .hcw-failures, .hcw-error (inline error of a refused click)
import type { AnyModel, RenderProps } from "@anywidget/types";
import { Channel, duration, ensureStyles, fmt, h, type Msg } from "./base";

interface Model {
  n_trials: number | null;
  step_trials: number;
}

export const ACTIONS = ["start", "pause", "resume", "step", "stop"] as const;
type Action = (typeof ACTIONS)[number];

/** Which buttons make sense in each status (the kernel refuses the others anyway). */
export const ENABLED: Record<string, Action[]> = {
  idle: ["start", "step"],
  running: ["pause", "step", "stop"],
  paused: ["resume", "step", "stop"],
  stopped: ["start", "step"],
  finished: ["start", "step"],
  failed: ["start", "step"],
};

/** What the start button says: after a run ended it adds trials to the same study. */
export const startLabel = (status: string): string =>
  status === "idle" || status === "unknown" ? "Start" : "Run more";

interface Status {
  status: string;
  reason: string | null;
  counts: Record<string, number>;
  budget: number | null;
  done: number;
  done_at_start: number;
  step_remaining: number | null;
  metric: string;
  best_value: number | null;
  best_trial_number: number | null;
  started_at: number | null;
  /** Seconds spent paused since the last start (pauses that ended). */
  paused_total?: number;
  /** When the pause in force began (null while not paused). */
  paused_since?: number | null;
  now: number;
  /** Set by an attached run (a worker fleet): the workers that beat lately. */
  workers_alive?: number | null;
}

const CSS = `
.hcw-control-bar { display:flex; flex-wrap:wrap; align-items:center; gap:6px; font-size:13px;
  padding:4px 0; }
.hcw-control-bar button { padding:2px 10px; cursor:pointer; }
.hcw-control-bar button:disabled { cursor:default; opacity:.45; }
.hcw-control-bar input[type=number] { width:64px; }
.hcw-status { font-weight:600; min-width:70px; }
.hcw-progress { width:160px; height:10px; background:#e5e5e5; border-radius:5px; overflow:hidden; }
.hcw-progress-fill { height:100%; background:#1f77b4; width:0; }
.hcw-control-bar .hcw-error { color:#b00020; flex-basis:100%; }
/* Fixed room for texts that change every second: a bar whose items grow as the clock ticks
   re-wraps and moves the whole dashboard under a pointer that is dragging a handle. */
.hcw-control-bar .hcw-progress-text, .hcw-control-bar .hcw-elapsed, .hcw-control-bar .hcw-eta,
.hcw-control-bar .hcw-best { white-space:nowrap; font-variant-numeric:tabular-nums; }
.hcw-control-bar .hcw-progress-text { min-width:130px; }
.hcw-control-bar .hcw-elapsed { min-width:100px; }
.hcw-control-bar .hcw-eta { min-width:80px; }
.hcw-control-bar .hcw-best { min-width:150px; }
.hcw-control-bar .hcw-error:empty { display:none; }
`;

function render({ model, el }: RenderProps<Model>): () => void {
  ensureStyles(CSS, "hcw-control-bar-styles");
  const buttons = new Map<Action, HTMLButtonElement>();
  for (const a of ACTIONS) {
    const b = h("button", { "data-action": a, type: "button" }, a[0].toUpperCase() + a.slice(1));
    buttons.set(a, b);
  }
  const nTrials = h("input", { class: "hcw-n-trials", type: "number", min: "1", title: "trials to run" });
  const stepN = h("input", { class: "hcw-step-n", type: "number", min: "1", title: "trials per step" });
  const statusEl = h("span", { class: "hcw-status" }, "…");
  const fill = h("div", { class: "hcw-progress-fill" });
  const progressText = h("span", { class: "hcw-progress-text" });
  const elapsedEl = h("span", { class: "hcw-elapsed" });
  const etaEl = h("span", { class: "hcw-eta" });
  const bestEl = h("span", { class: "hcw-best" });
  const failEl = h("span", { class: "hcw-failures" });
  const errorEl = h("div", { class: "hcw-error", role: "alert" });
  const root = h(
    "div",
    { class: "hcw-control-bar", "data-status": "unknown" },
    buttons.get("start")!, nTrials, buttons.get("pause")!, buttons.get("resume")!,
    buttons.get("step")!, stepN, buttons.get("stop")!, statusEl,
    h("div", { class: "hcw-progress" }, fill), progressText, elapsedEl, etaEl, bestEl, failEl,
    errorEl,
  );
  el.append(root);

  let st: Status | null = null;
  let offset = 0; // kernel clock minus browser clock, seconds
  let busy = false;

  nTrials.placeholder = "trials";
  const syncInputs = () => {
    const n = model.get("n_trials");
    nTrials.value = n === null || n === undefined ? "" : String(n);
    stepN.value = String(model.get("step_trials"));
  };
  syncInputs();
  const onTraits = () => syncInputs();
  model.on("change:n_trials", onTraits);
  model.on("change:step_trials", onTraits);
  nTrials.addEventListener("change", () => setInt(model, "n_trials", nTrials.value));
  stepN.addEventListener("change", () => setInt(model, "step_trials", stepN.value));

  const kernelNow = () => Date.now() / 1000 + offset;

  function tick(): void {
    if (!st) return;
    const live = st.status === "running" || st.status === "paused";
    // Running time only: a pause neither counts as elapsed nor slows the pace the ETA uses.
    const at = live ? kernelNow() : st.now;
    const paused = (st.paused_total ?? 0) + (st.paused_since == null ? 0 : Math.max(0, at - st.paused_since));
    const elapsed = st.started_at === null ? null : Math.max(0, at - st.started_at - paused);
    elapsedEl.textContent = `elapsed ${duration(elapsed)}`;
    let eta = "–";
    // The rate since the last start, over what is left of the budget (both in run totals), or
    // of the step when stepping: the run pauses after it, so that is when it stops.
    const since = st.done - (st.done_at_start ?? 0);
    if (st.status === "running" && st.budget !== null && since > 0 && elapsed !== null) {
      let left = Math.max(0, st.budget - st.done);
      // step_remaining counts trials not yet started: those running finish before the pause.
      if (typeof st.step_remaining === "number") left = Math.min(left, st.step_remaining + (st.counts?.running ?? 0));
      eta = duration((elapsed / since) * left);
    }
    etaEl.textContent = `ETA ${eta}`;
  }

  function paint(): void {
    if (!st) return;
    root.dataset.status = st.status;
    const stepping = st.status === "running" && st.step_remaining !== null && st.step_remaining !== undefined;
    statusEl.textContent = stepping ? `stepping (${st.step_remaining} left)` : st.status;
    if (typeof st.workers_alive === "number") statusEl.textContent += ` · ${st.workers_alive} workers alive`;
    statusEl.title = st.reason ?? "";
    buttons.get("start")!.textContent = startLabel(st.status);
    const enabled = ENABLED[st.status] ?? [];
    for (const [a, b] of buttons) b.disabled = busy || !enabled.includes(a);
    const pct = st.budget ? Math.min(100, (100 * st.done) / st.budget) : 0;
    fill.style.width = `${pct.toFixed(1)}%`;
    progressText.textContent = st.budget ? `${st.done} / ${st.budget} trials` : `${st.done} trials`;
    bestEl.textContent =
      st.best_value === null ? "best –" : `best ${fmt(st.best_value)} (#${st.best_trial_number})`;
    const failed = st.counts?.failed ?? 0;
    failEl.textContent = `failures ${failed}`;
    failEl.classList.toggle("hcw-has-failures", failed > 0);
    tick();
  }

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type !== "snapshot" && msg.type !== "delta") return;
    offset = msg.now - Date.now() / 1000;
    st = { ...(st ?? {}), ...(msg as unknown as Status) };
    paint();
  });

  async function click(action: Action): Promise<void> {
    const args: Record<string, number> = {};
    if (action === "start" && nTrials.value.trim() !== "") {
      args.n_trials = Math.max(1, Math.round(Number(nTrials.value)) || 1);
    }
    if (action === "step") args.n = Math.max(1, Number(stepN.value) || 1);
    busy = true;
    errorEl.textContent = "";
    paint();
    const ack = await channel.request("control", { op: action, args });
    busy = false;
    if (!ack.ok) errorEl.textContent = ack.error ?? "refused";
    paint();
  }
  for (const [a, b] of buttons) b.addEventListener("click", () => void click(a));

  const timer = setInterval(tick, 1000);
  channel.snapshot();
  return () => {
    clearInterval(timer);
    channel.dispose();
    model.off("change:n_trials", onTraits);
    model.off("change:step_trials", onTraits);
    root.remove();
  };
}

function setInt(model: AnyModel<Model>, key: keyof Model, text: string): void {
  const v = Math.max(1, Math.round(Number(text)) || 1);
  model.set(key, v);
  model.save_changes();
}

export default { render };
