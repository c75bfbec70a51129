// SpaceEditor view (twin of hcautoml_widgets/widgets/space_editor.py). The rows are in
// space_row.ts.
//
// Selectors for browser tests (one row per hyperparameter):
//   .hcw-space-editor                       root
//   .hcw-param[data-param="NAME"][data-kind="float"|"int"|"categorical"|"constant"]
//       [data-pinned="true"|"false"][data-prior="true"|"false"]
//   .hcw-in-force: what is in force, in words: .hcw-range-text ("low – high", rounded),
//       .hcw-base-text (the base range, when narrowed), .hcw-prior-text, .hcw-pin-text;
//       button.hcw-num[data-field="low"|"high"|"prior"|"pin"] (click: it becomes
//       input.hcw-num-input; Enter sends, Escape cancels)
//   numeric rows: svg.hcw-track (drawn in px); sliders (role=slider, focusable, arrow keys):
//       circle.hcw-handle-low, circle.hcw-handle-high (the range), path.hcw-prior-marker
//       (the prior; class hcw-prior-unset when there is none), path.hcw-pin-handle (drop it to
//       pin there; class hcw-pin-unset when not pinned); rect.hcw-current (the current range);
//       rect.hcw-hist-bar (histogram of sampled values, data-count); line.hcw-pin-marker;
//       circle.hcw-ghost[data-value] (where the next trials would go, while a handle is held;
//       .hcw-ghost-queued: a queued configuration, which runs as given)
//   categorical rows: button.hcw-choice[data-choice="VALUE"][aria-pressed] (toggle allowed;
//       class hcw-pinned / hcw-prior-choice), .hcw-count inside each choice,
//       select.hcw-prior-select (prior choice, "" = none)
//   every row: select.hcw-confidence, input.hcw-pin[type=checkbox] (pin toggle),
//       button[data-action="reset"], button[data-action="clear-prior"], .hcw-note (what the kernel
//       said of an accepted edit, until the next one), .hcw-error (inline error;
//       it clears when the row's state changes), .hcw-prior-health (the prior's evidence,
//       prior_health.ts)
import type { RenderProps } from "@anywidget/types";
import { Channel, ensureStyles, frameScheduler, h, type Msg, type Scalar } from "./base";
import { GHOST_N, type Preview } from "./ghosts";
import type { Health } from "./prior_health";
import { ParamRow, type EditorState, type Edit, type ParamSpec } from "./space_row";

export { BINS, fromUnit, nudge, snap, toUnit, type EditorState, type ParamSpec } from "./space_row";

const CSS = `
.hcw-space-editor { font-size:12px; display:flex; flex-direction:column; gap:4px; min-width:0; }
.hcw-param { border-bottom:1px solid #eee; padding:3px 0 2px; }
.hcw-param-head { display:flex; align-items:center; gap:4px 10px; flex-wrap:wrap; min-height:22px; }
.hcw-param-head .hcw-name { font-weight:600; min-width:64px; }
.hcw-in-force { display:flex; flex-wrap:wrap; gap:2px 12px; align-items:baseline; min-height:18px; margin-top:1px; }
.hcw-range-text { color:#222; white-space:nowrap; } .hcw-narrowed { color:#1f77b4; font-weight:600; }
.hcw-base-text, .hcw-cond, .hcw-unset { color:#888; }
.hcw-prior-text:not(.hcw-unset) { color:#2ca02c; font-weight:600; }
.hcw-pin-text:not(.hcw-unset) { color:#d62728; font-weight:600; }
.hcw-num { font:inherit; color:inherit; background:none; border:none; border-bottom:1px dashed #aaa;
  padding:0 1px; cursor:text; }
.hcw-num:hover, .hcw-num:focus { background:#f0f6ff; }
.hcw-num-input { font:inherit; width:7em; padding:0 2px; }
.hcw-controls { display:flex; gap:6px; align-items:center; margin-left:auto; flex-wrap:wrap; }
.hcw-controls button, .hcw-controls select { font-size:11px; }
.hcw-track { width:100%; height:62px; display:block; touch-action:none; user-select:none; overflow:visible; }
.hcw-track .hcw-base { stroke:#ccc; stroke-width:4; stroke-linecap:round; }
.hcw-track .hcw-current { fill:#1f77b4; opacity:.55; }
.hcw-track circle { fill:#fff; stroke:#1f77b4; stroke-width:2; cursor:ew-resize; }
.hcw-track [role=slider]:focus { outline:none; stroke:#111; stroke-width:2.5; }
.hcw-track .hcw-hist-bar { fill:#9ecae1; }
.hcw-track .hcw-prior-marker { fill:#2ca02c; cursor:ew-resize; }
.hcw-track .hcw-prior-marker.hcw-prior-unset { fill:#bbb; opacity:.7; }
.hcw-track .hcw-pin-handle { fill:#d62728; cursor:ew-resize; }
.hcw-track .hcw-pin-handle.hcw-pin-unset { fill:#e8a0a0; opacity:.7; }
.hcw-track .hcw-pin-marker { stroke:#d62728; stroke-width:2; }
.hcw-track .hcw-ghost { fill:#fff; fill-opacity:.85; stroke:#ff7f0e; stroke-width:1.8; cursor:default; }
.hcw-track .hcw-ghost-queued { stroke:#9467bd; stroke-dasharray:2 2; }
.hcw-choices { display:flex; flex-wrap:wrap; gap:4px; margin-top:3px; }
.hcw-choice { padding:1px 8px; border:1px solid #1f77b4; background:#fff; border-radius:10px; cursor:pointer; }
.hcw-choice[aria-pressed="true"] { background:#1f77b4; color:#fff; }
.hcw-choice.hcw-prior-choice { box-shadow:0 0 0 2px #2ca02c; }
.hcw-choice.hcw-pinned { box-shadow:0 0 0 2px #d62728; font-weight:600; }
.hcw-count { opacity:.7; margin-left:4px; }
.hcw-space-editor .hcw-error { color:#b00020; }
.hcw-space-editor .hcw-error:empty { display:none; }
.hcw-space-editor .hcw-note { color:#7a5a00; font-size:11px; }
.hcw-space-editor .hcw-note:empty { display:none; }
.hcw-prior-health { color:#555; font-size:11px; margin-top:1px; }
.hcw-prior-health[data-state="none"] { display:none; }
.hcw-param[data-dragging="prior"] .hcw-prior-health { opacity:.35; }
.hcw-param[data-dragging="prior"] .hcw-prior-health::before { content:"(the prior in force) "; }
.hcw-prior-health[data-state="waiting"] { color:#888; }
.hcw-prior-health[data-state="ok"] { color:#2a7a2a; }
.hcw-prior-health[data-state="wrong"] { color:#8a4b00; background:#fff4e0; border-left:3px solid #e69500;
  padding:1px 6px; }
`;

function render({ model, el }: RenderProps): () => void {
  ensureStyles(CSS, "hcw-space-editor-styles");
  const root = h("div", { class: "hcw-space-editor" });
  el.append(root);
  let rows: ParamRow[] = [];
  let state: EditorState | null = null;
  let health: Record<string, Health> = {};
  const showHealth = () => rows.forEach((r) => r.showHealth(health[r.p.name]));
  const repaintHist = frameScheduler(() => rows.forEach((r) => r.paintHistogram()));
  // Tracks are drawn in px so that handles stay round: follow the box's width.
  const resize = frameScheduler(() => {
    const width = root.querySelector("svg.hcw-track")?.getBoundingClientRect().width ?? 0;
    if (width > 0) rows.forEach((r) => r.resize(width));
  });
  const observer = typeof ResizeObserver === "function" ? new ResizeObserver(resize) : null;
  observer?.observe(root);

  const addSamples = (samples: Scalar[][]) => {
    for (const smp of samples) smp.forEach((v, i) => rows[i]?.add(v));
    repaintHist();
  };

  const edit: Edit = async (op, args) => {
    const row = rows.find((r) => r.p.name === args.name);
    const ack = await channel.edit(op, args);
    if (!row) return ack.ok;
    if (ack.ok) {
      // The person has moved on: an edit accepted anywhere in the editor retires every row's
      // inline error (one left under another row read as still current minutes later).
      for (const r of rows) r.clearError();
    }
    else {
      row.showError(ack.error ?? "refused");
      // Nothing changed in the kernel when refused: show its state again.
      if (state) row.paint(state);
    }
    return ack.ok;
  };

  // Ghost markers while a handle is held: the kernel previews the edit on a copy of the run.
  const preview: Preview = (op, args) => channel.request("preview", { op, args, n: GHOST_N });

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type === "snapshot") {
      const names: string[] = msg.names;
      const specs = new Map<string, ParamSpec>(msg.space.params.map((p: ParamSpec) => [p.name, p]));
      rows = names.map((n) => new ParamRow(specs.get(n)!, edit, preview));
      root.replaceChildren(...rows.map((r) => r.el));
      state = msg.state;
      rows.forEach((r) => r.paint(msg.state));
      resize();
    }
    if (msg.samples) addSamples(msg.samples);
    if (msg.type === "delta" && msg.state && (!state || msg.state.version >= state.version)) {
      state = msg.state as EditorState;
      rows.forEach((r) => r.paint(state!));
    }
    if (msg.health) health = msg.health;
    if (msg.health || msg.state) showHealth();
  });
  channel.snapshot();
  return () => {
    observer?.disconnect();
    channel.dispose();
    root.remove();
  };
}

export default { render };
