// Insights view (twin of hcautoml_widgets/widgets/insights.py): what matters and where the
// search went, live. Charts are in insights_charts.ts, the parallel coordinates in parallel.ts.
//
// Protocol: snapshot (+ pages) then deltas of trial rows and steering state, as the trial table
// gets them; {type:"insight", kind:"computing"|"summary"|"progress"|"fanova"} when the kernel's background
// refresher has something new (at most every few seconds). Requests: {type:"edit"} from the
// brushes, {type:"fanova"} from the button.
//
// Selectors for browser tests:
//   .hcw-insights[data-n="120"] (trials in the latest summary)    root
//   .hcw-ins-status, button[data-action="fanova"], .hcw-ins-progress, .hcw-ins-error
//   .hcw-ins-importance g.hcw-imp-row[data-param][data-share], .hcw-ins-fanova (after fANOVA)
//   .hcw-ins-history path.hcw-history-line[data-param]
//   .hcw-ins-pair svg.hcw-pair-svg[data-a][data-b] rect.hcw-pair-cell
//   .hcw-ins-pd .hcw-pd[data-param] (path.hcw-pd-band, path.hcw-pd-mean, path.hcw-pd-rug,
//       rect.hcw-pd-range, line.hcw-pd-prior, line.hcw-pd-pin)
//   .hcw-pc ... (see parallel.ts)
import type { RenderProps } from "@anywidget/types";
import { Channel, decodeRow, ensureStyles, frameScheduler, h, type Msg, type Row } from "./base";
import {
  dependenceDomain, drawDependence, drawHistory, drawImportance, drawPair,
  type Axis, type HistoryPoint, type Share, type Steer, type Summary,
} from "./insights_charts";
import { ParallelCoords } from "./parallel";

export { brushEdit } from "./parallel";

const CSS = `
.hcw-insights { font-size:12px; display:flex; flex-direction:column; gap:8px; min-width:0; }
.hcw-ins-head { display:flex; gap:10px; align-items:center; flex-wrap:wrap; }
/* One line whatever its length: it is rewritten as trials arrive, and a wrap moved everything
   below it under the pointer (a brush landed a line off). */
.hcw-ins-status { font-weight:600; flex:1 1 0; min-width:0; white-space:nowrap; overflow:hidden;
  text-overflow:ellipsis; }
.hcw-ins-error, .hcw-pc-error { color:#b00020; }
.hcw-ins-progress { color:#555; }
.hcw-ins-top { display:flex; gap:18px; flex-wrap:wrap; align-items:flex-start; }
.hcw-ins-title { font-weight:600; margin:2px 0 4px; color:#333; }
.hcw-ins-section { font-weight:600; color:#333; border-top:1px solid #eee; padding-top:6px; }
.hcw-ins-pd { display:flex; flex-wrap:wrap; gap:4px 10px; }
.hcw-insights svg { overflow:visible; font-family:inherit; }
.hcw-insights .tick text { font-size:10px; }
.hcw-imp-name, .hcw-imp-value { font-size:11px; fill:#222; }
.hcw-history-note { font-size:11px; fill:#777; }
.hcw-imp-interval { stroke:#222; stroke-width:1.2; }
.hcw-legend { display:flex; gap:8px; flex-wrap:wrap; max-width:300px; }
.hcw-legend i { display:inline-block; width:10px; height:3px; margin-right:3px; vertical-align:middle; }
.hcw-pd-band { fill:#1f77b4; opacity:.2; }
.hcw-pd-mean { stroke:#1f77b4; stroke-width:2; }
.hcw-pd-band-bar { stroke:#1f77b4; stroke-width:6; opacity:.25; }
.hcw-pd-point { fill:#1f77b4; } .hcw-pd-point.hcw-off { fill:#bbb; }
.hcw-pd-rug { stroke:#444; stroke-width:1; opacity:.35; }
.hcw-pd-range { fill:#1f77b4; opacity:.08; }
.hcw-pd-prior { stroke:#2ca02c; stroke-width:2; stroke-dasharray:4 3; }
.hcw-pd-pin { stroke:#d62728; stroke-width:2; }
.hcw-pd-name { font-weight:600; font-size:11px; }
.hcw-axis-label { font-size:11px; }
.hcw-pc-actions { display:flex; gap:8px; align-items:center; flex-wrap:wrap; min-height:24px; }
.hcw-pc-done { color:#2ca02c; }
.hcw-pc-line { fill:none; stroke-width:1.2; opacity:.75; }
.hcw-pc-line.hcw-rejected { stroke:#bbb; stroke-dasharray:2 3; opacity:.6; }
.hcw-pc-line.hcw-failed { stroke:#d62728; stroke-dasharray:5 3; opacity:.8; }
.hcw-pc-line.hcw-pending { stroke:#ff7f0e; stroke-dasharray:1 3; }
.hcw-pc-line.hcw-pruned { stroke:#8c6d31; stroke-dasharray:6 2 1 2; opacity:.6; }
.hcw-pc-line.hcw-dim { stroke:#ddd !important; opacity:.25; }
.hcw-pc-label { font-size:11px; font-weight:600; }
.hcw-pc-axis .tick text, .hcw-pc-label { paint-order:stroke; stroke:#fff; stroke-width:3px; stroke-linejoin:round; }
.hcw-pc-range { fill:#1f77b4; opacity:.55; }
.hcw-pc-prior { fill:#2ca02c; }
.hcw-pc-failed-label { font-size:10px; fill:#d62728; }
.hcw-pc-brush .selection { fill:#ff7f0e; fill-opacity:.25; stroke:#ff7f0e; }
.hcw-pc-scroll { overflow-x:auto; }
`;

interface State {
  names: string[];
  axes: Axis[];
  direction: string;
  metric: string;
  rows: Map<number, Row>;
  steer: Steer | null;
  summary: Summary | null;
  history: HistoryPoint[];
  fanova: { n: number; importance?: Share[]; error?: string } | null;
}

function render({ model, el }: RenderProps): () => void {
  ensureStyles(CSS, "hcw-insights-styles");
  const status = h("span", { class: "hcw-ins-status" }, "waiting for the kernel…");
  const fanovaBtn = h("button", { type: "button", "data-action": "fanova", title:
    "functional ANOVA over the whole space (seconds to tens of seconds, in the background)" },
    "Compute fANOVA");
  const progress = h("span", { class: "hcw-ins-progress" });
  const error = h("span", { class: "hcw-ins-error", role: "alert" });
  const impBox = h("div", { class: "hcw-ins-importance" });
  const fanovaBox = h("div", { class: "hcw-ins-fanova" });
  const histBox = h("div", { class: "hcw-ins-history" });
  const pairBox = h("div", { class: "hcw-ins-pair" });
  const pdBox = h("div", { class: "hcw-ins-pd" });
  const pdTitle = h("div", { class: "hcw-ins-section" });
  // The y axes of the small multiples share one scale and one quantity: named once, above them.
  const titlePd = () => {
    pdTitle.textContent = `Partial dependence of ${st.metric} (a random forest's model of it; band: ± 1 sd over its trees; ticks: trials)`;
  };
  const pcBox = h("div", { class: "hcw-pc-scroll" });
  const root = h("div", { class: "hcw-insights", "data-n": "0" },
    h("div", { class: "hcw-ins-head" }, status, fanovaBtn, progress, error),
    h("div", { class: "hcw-ins-top" }, impBox, fanovaBox, histBox, pairBox),
    pdTitle,
    pdBox,
    h("div", { class: "hcw-ins-section" }, "All trials (colour: rank of the objective, dark is better; dashed red: failed; dotted grey: rejected; dotted orange: running; dash-dot brown: pruned)"),
    pcBox,
  );
  el.append(root);

  const st: State = {
    names: [], axes: [], direction: "minimize", metric: "value", rows: new Map(), steer: null, summary: null,
    history: [], fanova: null,
  };
  const channel = new Channel(model, (msg: Msg) => onMessage(msg));
  const pc = new ParallelCoords(pcBox, (op, args) => channel.request("edit", { op, args }));
  const width = () => Math.max(600, root.clientWidth || 900);

  function paintSummary(): void {
    const s = st.summary;
    root.dataset.n = String(s?.n ?? 0);
    if (!s) return;
    if (s.error) {
      status.textContent = s.error;
      status.title = s.error;
      return;
    }
    paintStatus();
    drawImportance(impBox, s.importance ?? [], "importance (bars: share; whiskers: spread over refits)");
    drawHistory(histBox, st.history, st.names);
    if (s.pair) drawPair(pairBox, s.pair, st.direction, st.axes, 300, st.metric);
    else pairBox.replaceChildren();
    paintDependence();
  }

  /** Which trials the insights were computed on: they refresh every few trials, so the run
   * has usually gone on since ("13 completed trials" beside a run of 34 read as the run's). */
  function paintStatus(): void {
    const s = st.summary;
    if (!s || s.error) return;
    let done = 0;
    for (const r of st.rows.values()) if (r.state === "complete" && r.review !== "rejected") done++;
    const on = done > s.n ? `insights on ${s.n} of ${done} completed trials` : `insights on ${s.n} completed trials`;
    const again = `${on}; they are computed again as trials come in.`;
    if (s.evaluator === "forest") {
      status.textContent = `${on} · importance: how far each parameter moves the curves below`;
      status.title = `${again} Importance: each parameter's share of the variance of its partial-dependence curve (the random forest's, drawn below), so a flat curve means an unimportant parameter; whiskers: its spread over forests refitted on resampled trials. fANOVA (the button) is Optuna's functional ANOVA over the whole space, a second opinion.`;
    } else {
      // PED-ANOVA (Optuna's default quantile, 10 %) compares the best trials with all the trials
      // the sampler chose, not with the whole space: say so, or it reads as a disagreement with
      // the partial dependence below, which models the objective everywhere.
      status.textContent = `${on} · importance: PED-ANOVA (the best 10% against the other trials)`;
      status.title = `${again} Importance by PED-ANOVA: what sets the best 10% of trials apart from the other trials; fANOVA (the button) measures it over the whole space.`;
    }
  }

  function paintFanova(): void {
    const f = st.fanova;
    if (!f) {
      fanovaBox.replaceChildren();
      return;
    }
    if (f.error) {
      error.textContent = `fANOVA: ${f.error}`;
      return;
    }
    drawImportance(fanovaBox, f.importance ?? [], `fANOVA on ${f.n} trials (whole space)`, 300, "#9467bd");
  }

  function paintDependence(): void {
    const pd = st.summary?.pd;
    if (!pd) return;
    const yDomain = dependenceDomain(pd);
    const boxes = new Map([...pdBox.querySelectorAll<HTMLElement>(".hcw-pd")].map((b) => [b.dataset.param!, b]));
    st.axes.forEach((axis, i) => {
      const curve = pd[axis.name];
      if (!curve) return;
      let box = boxes.get(axis.name);
      if (!box) {
        box = h("div", { class: "hcw-pd", "data-param": axis.name });
        pdBox.append(box);
      }
      const rug = [...st.rows.values()].filter((r) => r.state === "complete" && r.review !== "rejected")
        .map((r) => r.params[i]);
      drawDependence(box, axis, curve, yDomain, rug, st.steer);
    });
  }

  // Rows come up to 20 times a second; the lines and rugs are redrawn at most every 400 ms.
  let lastRows = 0;
  let rowTimer: ReturnType<typeof setTimeout> | null = null;
  const paintRowsNow = frameScheduler(() => {
    lastRows = Date.now();
    pc.setRows(st.rows);
    paintDependence();
    paintStatus();
  });
  function paintRows(): void {
    if (rowTimer !== null) return;
    const wait = Math.max(0, 400 - (Date.now() - lastRows));
    rowTimer = setTimeout(() => {
      rowTimer = null;
      paintRowsNow();
    }, wait);
  }

  function addRows(rows: any[][] | undefined): void {
    for (const a of rows ?? []) {
      const prev = st.rows.get(a[0]);
      st.rows.set(a[0], decodeRow(a, prev));
    }
  }

  function onMessage(msg: Msg): void {
    if (msg.type === "snapshot") {
      st.names = msg.names;
      st.axes = msg.axes;
      st.direction = msg.direction;
      st.metric = typeof msg.metric === "string" ? msg.metric : "value";
      titlePd();
      st.rows = new Map();
      st.steer = msg.state;
      st.summary = msg.summary;
      st.history = msg.history ?? [];
      st.fanova = msg.fanova;
      addRows(msg.rows);
      pc.setAxes(st.axes, st.direction, width() - 20, st.metric);
      if (st.steer) pc.setSteer(st.steer);
      pc.setRows(st.rows);
      fanovaBtn.disabled = !!msg.fanova_running;
      paintSummary();
      paintFanova();
    } else if (msg.type === "page" || msg.type === "delta") {
      addRows(msg.rows);
      if (msg.state) {
        st.steer = msg.state;
        pc.setSteer(msg.state);
      }
      paintRows();
    } else if (msg.type === "insight") {
      if (msg.kind === "summary") {
        st.summary = msg.summary;
        const p = msg.history as HistoryPoint | null;
        if (p) {
          if (st.history.length && st.history[st.history.length - 1].n === p.n) st.history[st.history.length - 1] = p;
          else st.history.push(p);
        }
        paintSummary();
      } else if (msg.kind === "computing") {
        // Only before the first real summary: afterwards the last one stays up while it updates.
        if (!st.summary || st.summary.error) status.textContent = `computing the insights on ${msg.n} trials…`;
      } else if (msg.kind === "progress") {
        progress.textContent = `fANOVA: refit ${msg.done} of ${msg.total}…`;
      } else if (msg.kind === "fanova") {
        st.fanova = msg as any;
        progress.textContent = "";
        fanovaBtn.disabled = false;
        paintFanova();
      }
    }
  }

  fanovaBtn.addEventListener("click", async () => {
    error.textContent = "";
    fanovaBtn.disabled = true;
    progress.textContent = "fANOVA: starting…";
    const ack = await channel.request("fanova", {});
    if (!ack.ok) {
      error.textContent = ack.error ?? "refused";
      progress.textContent = "";
      fanovaBtn.disabled = false;
    }
  });

  channel.snapshot();
  return () => {
    if (rowTimer !== null) clearTimeout(rowTimer);
    channel.dispose();
    root.remove();
  };
}

export default { render };
