// SpaceEditor view (twin of hcautoml_widgets/widgets/space_editor.py).
//
// Selectors for browser tests (one row per hyperparameter):
//   .hcw-space-editor                       root
//   .hcw-param[data-param="NAME"][data-kind="float"|"int"|"categorical"|"constant"]
//       [data-pinned="true"|"false"][data-prior="true"|"false"]
//   numeric rows: svg.hcw-track; circle.hcw-handle-low, circle.hcw-handle-high (drag with the
//       pointer: the new range is sent on release); rect.hcw-current (the current range);
//       path.hcw-prior-marker (drag to set the prior; class hcw-prior-unset when there is none);
//       rect.hcw-hist-bar (histogram of sampled values, data-count); line.hcw-pin-marker;
//       .hcw-range-text shows the current "low – high", .hcw-base-text the base range
//   categorical rows: button.hcw-choice[data-choice="VALUE"][aria-pressed] (toggle allowed),
//       .hcw-count inside each choice, select.hcw-prior-select (prior choice, "" = none)
//   every row: select.hcw-confidence, input.hcw-pin[type=checkbox] (pin toggle),
//       button[data-action="reset"], button[data-action="clear-prior"], .hcw-error (inline error)
import type { RenderProps } from "@anywidget/types";
import { Channel, ensureStyles, fmt, frameScheduler, h, s, type Msg, type Scalar } from "./base";

export interface ParamSpec {
  name: string;
  kind: "float" | "int" | "categorical" | "constant";
  low: number | null;
  high: number | null;
  log: boolean;
  step: number | null;
  choices: Scalar[] | null;
  default: Scalar;
  condition: { parent: string; values: Scalar[] } | null;
}

export interface EditorState {
  version: number;
  ranges: Record<string, [number, number]>;
  allowed: Record<string, Scalar[]>;
  pins: Record<string, Scalar>;
  priors: Record<string, { value: Scalar; confidence: string }>;
}

export const BINS = 30;
const W = 300; // SVG user units; the track scales to the row's width
const PAD = 10;
const TRACK_Y = 40;
const CONFIDENCES = ["low", "medium", "high"];

/** Log-aware mapping between a numeric parameter's values and [0, 1] along its base range. */
export function toUnit(p: ParamSpec, v: number): number {
  const lo = p.low as number;
  const hi = p.high as number;
  if (hi === lo) return 0.5;
  const u = p.log && lo > 0 ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  return Math.min(1, Math.max(0, u));
}

export function fromUnit(p: ParamSpec, u: number): number {
  const lo = p.low as number;
  const hi = p.high as number;
  u = Math.min(1, Math.max(0, u));
  let v = p.log && lo > 0 ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  if (p.step) v = lo + Math.round((v - lo) / p.step) * p.step; // quantized parameters
  if (p.kind === "int") v = Math.round(v);
  else v = +v.toPrecision(p.step ? 12 : 4); // a readable value; the kernel validates the exact one
  return Math.min(hi, Math.max(lo, v));
}

const xOf = (u: number) => PAD + u * (W - 2 * PAD);

const CSS = `
.hcw-space-editor { font-size:12px; display:flex; flex-direction:column; gap:6px; }
.hcw-param { border-bottom:1px solid #eee; padding:2px 0 4px; }
.hcw-param-head { display:flex; align-items:center; gap:6px; flex-wrap:wrap; }
.hcw-param-head .hcw-name { font-weight:600; min-width:90px; }
.hcw-range-text { color:#333; } .hcw-base-text, .hcw-cond { color:#888; }
.hcw-track { width:100%; height:56px; display:block; touch-action:none; user-select:none; }
.hcw-track .hcw-base { stroke:#ccc; stroke-width:4; }
.hcw-track .hcw-current { fill:#1f77b4; opacity:.55; }
.hcw-track circle { fill:#fff; stroke:#1f77b4; stroke-width:2; cursor:ew-resize; }
.hcw-track .hcw-hist-bar { fill:#9ecae1; }
.hcw-track .hcw-prior-marker { fill:#2ca02c; cursor:ew-resize; }
.hcw-track .hcw-prior-marker.hcw-prior-unset { fill:#bbb; opacity:.6; }
.hcw-track .hcw-pin-marker { stroke:#d62728; stroke-width:2; }
.hcw-choices { display:flex; flex-wrap:wrap; gap:4px; margin-top:3px; }
.hcw-choice { padding:1px 8px; border:1px solid #1f77b4; background:#fff; border-radius:10px; cursor:pointer; }
.hcw-choice[aria-pressed="true"] { background:#1f77b4; color:#fff; }
.hcw-count { opacity:.7; margin-left:4px; }
.hcw-space-editor .hcw-error { color:#b00020; }
.hcw-space-editor .hcw-error:empty { display:none; }
`;

type Edit = (op: string, args: Record<string, unknown>) => Promise<void>;

/** One hyperparameter's row. ``paint`` redraws it from the kernel's state, except while the
 * user drags one of its handles (the drag owns the picture until it is released). */
class ParamRow {
  readonly el: HTMLDivElement;
  readonly error: HTMLDivElement;
  private readonly counts: number[] | Map<string, number>;
  private state: EditorState | null = null;
  private dragging = false;
  private readonly parts: Record<string, Element> = {};

  constructor(
    readonly p: ParamSpec,
    private readonly edit: Edit,
  ) {
    this.counts = p.kind === "categorical" ? new Map() : new Array(BINS).fill(0);
    this.error = h("div", { class: "hcw-error", role: "alert" });
    const head = h("div", { class: "hcw-param-head" }, h("span", { class: "hcw-name" }, p.name));
    this.el = h("div", { class: "hcw-param", "data-param": p.name, "data-kind": p.kind }, head);
    if (p.kind === "constant") {
      head.append(h("span", { class: "hcw-range-text" }, `= ${fmt(p.default)}`));
      return;
    }
    const rangeText = h("span", { class: "hcw-range-text" });
    const baseText = h("span", { class: "hcw-base-text", title: "base range" },
      p.kind === "categorical" ? "" : `of ${fmt(p.low)} – ${fmt(p.high)}${p.log ? " (log)" : ""}`);
    const conf = h("select", { class: "hcw-confidence", title: "prior confidence" });
    for (const c of CONFIDENCES) conf.append(h("option", { value: c }, c));
    conf.value = "medium";
    const pin = h("input", { class: "hcw-pin", type: "checkbox", "data-action": "pin" });
    const reset = h("button", { "data-action": "reset", type: "button", title: "base range back" }, "reset");
    const clear = h("button", { "data-action": "clear-prior", type: "button" }, "clear prior");
    head.append(rangeText, baseText, h("label", {}, pin, " pin"), conf, clear, reset);
    if (p.condition) {
      head.append(h("span", { class: "hcw-cond" }, `if ${p.condition.parent} ∈ {${p.condition.values.map((v) => fmt(v)).join(", ")}}`));
    }
    Object.assign(this.parts, { rangeText, conf, pin, clear });
    conf.addEventListener("change", () => {
      const prior = this.state?.priors[p.name];
      if (prior) void this.edit("prior", { name: p.name, value: prior.value, confidence: conf.value });
    });
    clear.addEventListener("click", () => void this.edit("clear_prior", { name: p.name }));
    reset.addEventListener("click", () => void this.edit("reset", { name: p.name }));
    pin.addEventListener("change", () => {
      if (pin.checked) void this.edit("pin", { name: p.name, value: this.pinValue() });
      else void this.edit("unpin", { name: p.name });
    });
    if (p.kind === "categorical") this.buildChoices();
    else this.buildTrack();
    this.el.append(this.error);
  }

  private buildChoices(): void {
    const p = this.p;
    const box = h("div", { class: "hcw-choices" });
    const priorSel = h("select", { class: "hcw-prior-select", title: "prior choice" });
    priorSel.append(h("option", { value: "" }, "no prior"));
    (p.choices ?? []).forEach((c, i) => {
      priorSel.append(h("option", { value: String(i) }, `prior: ${fmt(c)}`));
      const b = h("button", { class: "hcw-choice", type: "button", "data-choice": String(c), "aria-pressed": "true" },
        fmt(c), h("span", { class: "hcw-count" }, "0"));
      b.addEventListener("click", () => {
        const allowed = new Set((this.state?.allowed[p.name] ?? p.choices ?? []).map(String));
        if (allowed.has(String(c))) allowed.delete(String(c));
        else allowed.add(String(c));
        const choices = (p.choices ?? []).filter((x) => allowed.has(String(x)));
        b.setAttribute("aria-pressed", String(allowed.has(String(c))));
        void this.edit("allow", { name: p.name, choices });
      });
      box.append(b);
    });
    priorSel.addEventListener("change", () => {
      const conf = (this.parts.conf as HTMLSelectElement).value;
      if (priorSel.value === "") void this.edit("clear_prior", { name: p.name });
      else void this.edit("prior", { name: p.name, value: (p.choices ?? [])[Number(priorSel.value)], confidence: conf });
    });
    this.el.querySelector(".hcw-param-head")!.append(priorSel);
    this.el.append(box);
    Object.assign(this.parts, { box, priorSel });
  }

  private buildTrack(): void {
    const svg = s("svg", { class: "hcw-track", viewBox: `0 0 ${W} 56`, preserveAspectRatio: "none" }) as SVGSVGElement;
    const bars = s("g", { class: "hcw-hist" });
    for (let i = 0; i < BINS; i++) {
      const bw = (W - 2 * PAD) / BINS;
      bars.append(s("rect", { class: "hcw-hist-bar", x: PAD + i * bw + 0.5, width: Math.max(bw - 1, 1), y: 30, height: 0, "data-count": 0 }));
    }
    const base = s("line", { class: "hcw-base", x1: xOf(0), x2: xOf(1), y1: TRACK_Y, y2: TRACK_Y });
    const current = s("rect", { class: "hcw-current", y: TRACK_Y - 3, height: 6 });
    const pinMarker = s("line", { class: "hcw-pin-marker", y1: TRACK_Y - 12, y2: TRACK_Y + 12, visibility: "hidden" });
    const prior = s("path", { class: "hcw-prior-marker hcw-prior-unset", d: "M0,0 l-6,10 l12,0 z" });
    const low = s("circle", { class: "hcw-handle-low", "data-handle": "low", cy: TRACK_Y, r: 6 });
    const high = s("circle", { class: "hcw-handle-high", "data-handle": "high", cy: TRACK_Y, r: 6 });
    svg.append(bars, base, current, pinMarker, prior, low, high);
    this.el.append(svg);
    Object.assign(this.parts, { svg, bars, current, pinMarker, prior, low, high });
    this.drag(low, "low");
    this.drag(high, "high");
    this.drag(prior, "prior");
  }

  /** Pointer drag of a handle or the prior marker; the edit is sent once, on release. */
  private drag(handle: Element, which: "low" | "high" | "prior"): void {
    const p = this.p;
    const svg = this.parts.svg as SVGSVGElement;
    handle.addEventListener("pointerdown", (e0) => {
      const start = e0 as PointerEvent;
      start.preventDefault();
      this.dragging = true;
      const [lo0, hi0] = this.range();
      let lo = lo0;
      let hi = hi0;
      let pv = this.priorValue();
      const move = (ev: Event) => {
        const rect = svg.getBoundingClientRect();
        const width = rect.width || W;
        const px = (((ev as PointerEvent).clientX - rect.left) / width) * W;
        const v = fromUnit(p, (px - PAD) / (W - 2 * PAD));
        if (which === "low") lo = Math.min(v, hi);
        else if (which === "high") hi = Math.max(v, lo);
        else pv = v;
        this.place(lo, hi, pv, which === "prior" || this.state?.priors[p.name] !== undefined);
      };
      const up = (ev: Event) => {
        move(ev);
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        this.dragging = false;
        if (which === "prior") {
          const conf = (this.parts.conf as HTMLSelectElement).value;
          void this.edit("prior", { name: p.name, value: pv, confidence: conf });
        } else if (lo !== lo0 || hi !== hi0) {
          void this.edit("narrow", { name: p.name, low: lo, high: hi });
        }
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
    });
  }

  private range(): [number, number] {
    return this.state?.ranges[this.p.name] ?? [this.p.low as number, this.p.high as number];
  }

  private priorValue(): number {
    const prior = this.state?.priors[this.p.name];
    if (prior && typeof prior.value === "number") return prior.value;
    return typeof this.p.default === "number" ? this.p.default : fromUnit(this.p, 0.5);
  }

  private pinValue(): Scalar {
    const p = this.p;
    const prior = this.state?.priors[p.name];
    if (prior) return prior.value;
    if (p.kind === "categorical") return (this.state?.allowed[p.name] ?? p.choices ?? [null])[0];
    const [lo, hi] = this.range();
    return fromUnit(p, (toUnit(p, lo) + toUnit(p, hi)) / 2);
  }

  private place(lo: number, hi: number, prior: number, hasPrior: boolean): void {
    const p = this.p;
    const x0 = xOf(toUnit(p, lo));
    const x1 = xOf(toUnit(p, hi));
    const cur = this.parts.current;
    cur.setAttribute("x", String(x0));
    cur.setAttribute("width", String(Math.max(0, x1 - x0)));
    this.parts.low.setAttribute("cx", String(x0));
    this.parts.high.setAttribute("cx", String(x1));
    this.parts.prior.setAttribute("transform", `translate(${xOf(toUnit(p, prior))},${TRACK_Y + 6})`);
    this.parts.prior.classList.toggle("hcw-prior-unset", !hasPrior);
    this.parts.rangeText.textContent = `${fmt(lo)} – ${fmt(hi)}`;
  }

  /** Redraw from the kernel's state (also how a refused edit is reverted). */
  paint(state: EditorState): void {
    this.state = state;
    const p = this.p;
    if (p.kind === "constant") return;
    const prior = state.priors[p.name];
    const pinned = p.name in state.pins;
    this.el.dataset.pinned = String(pinned);
    this.el.dataset.prior = String(prior !== undefined);
    const pin = this.parts.pin as HTMLInputElement;
    pin.checked = pinned;
    pin.title = pinned ? `pinned to ${fmt(state.pins[p.name])}` : "pin to the prior (or the middle of the range)";
    if (prior) (this.parts.conf as HTMLSelectElement).value = prior.confidence;
    (this.parts.clear as HTMLButtonElement).disabled = prior === undefined;
    if (p.kind === "categorical") {
      const allowed = new Set((state.allowed[p.name] ?? p.choices ?? []).map(String));
      for (const b of this.parts.box.querySelectorAll<HTMLButtonElement>(".hcw-choice")) {
        b.setAttribute("aria-pressed", String(allowed.has(b.dataset.choice ?? "")));
        b.classList.toggle("hcw-pinned", pinned && String(state.pins[p.name]) === b.dataset.choice);
      }
      const idx = prior ? (p.choices ?? []).findIndex((c) => String(c) === String(prior.value)) : -1;
      (this.parts.priorSel as HTMLSelectElement).value = idx >= 0 ? String(idx) : "";
      this.parts.rangeText.textContent = pinned ? `= ${fmt(state.pins[p.name])}` : "";
      return;
    }
    if (this.dragging) return;
    const [lo, hi] = this.range();
    this.place(lo, hi, this.priorValue(), prior !== undefined);
    const pm = this.parts.pinMarker;
    if (pinned && typeof state.pins[p.name] === "number") {
      const x = xOf(toUnit(p, state.pins[p.name] as number));
      pm.setAttribute("x1", String(x));
      pm.setAttribute("x2", String(x));
      pm.setAttribute("visibility", "visible");
    } else pm.setAttribute("visibility", "hidden");
  }

  add(v: Scalar): void {
    if (v === null || v === undefined) return;
    if (this.counts instanceof Map) this.counts.set(String(v), (this.counts.get(String(v)) ?? 0) + 1);
    else if (typeof v === "number" && this.p.kind !== "constant") {
      this.counts[Math.min(BINS - 1, Math.floor(toUnit(this.p, v) * BINS))] += 1;
    }
  }

  paintHistogram(): void {
    if (this.counts instanceof Map) {
      for (const b of this.el.querySelectorAll<HTMLElement>(".hcw-choice")) {
        b.querySelector(".hcw-count")!.textContent = String(this.counts.get(b.dataset.choice ?? "") ?? 0);
      }
      return;
    }
    if (!this.parts.bars) return;
    const max = Math.max(1, ...this.counts);
    this.parts.bars.querySelectorAll("rect").forEach((r, i) => {
      const hgt = (26 * (this.counts as number[])[i]) / max;
      r.setAttribute("y", String(30 - hgt));
      r.setAttribute("height", String(hgt));
      r.setAttribute("data-count", String((this.counts as number[])[i]));
    });
  }
}

function render({ model, el }: RenderProps): () => void {
  ensureStyles(CSS, "hcw-space-editor-styles");
  const root = h("div", { class: "hcw-space-editor" });
  el.append(root);
  let rows: ParamRow[] = [];
  let state: EditorState | null = null;
  const repaintHist = frameScheduler(() => rows.forEach((r) => r.paintHistogram()));

  const addSamples = (samples: Scalar[][]) => {
    for (const smp of samples) smp.forEach((v, i) => rows[i]?.add(v));
    repaintHist();
  };

  const edit: Edit = async (op, args) => {
    const row = rows.find((r) => r.p.name === args.name);
    const ack = await channel.request("edit", { op, args });
    if (row) row.error.textContent = ack.ok ? "" : (ack.error ?? "refused");
    // Nothing changed in the kernel when refused: show its state again.
    if (!ack.ok && row && state) row.paint(state);
  };

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type === "snapshot") {
      const names: string[] = msg.names;
      const specs = new Map<string, ParamSpec>(msg.space.params.map((p: ParamSpec) => [p.name, p]));
      rows = names.map((n) => new ParamRow(specs.get(n)!, edit));
      root.replaceChildren(...rows.map((r) => r.el));
      state = msg.state;
      rows.forEach((r) => r.paint(msg.state));
    }
    if (msg.samples) addSamples(msg.samples);
    if (msg.type === "delta" && msg.state && (!state || msg.state.version >= state.version)) {
      state = msg.state as EditorState;
      rows.forEach((r) => r.paint(state!));
    }
  });
  channel.snapshot();
  return () => {
    channel.dispose();
    root.remove();
  };
}

export default { render };
