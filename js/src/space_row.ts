// One hyperparameter's row of the SpaceEditor: what is in force, in text and on a track, and
// every way to change it (drag, keyboard, typing a number, buttons). See space_editor.ts for
// the selectors.
import { fmt, h, s, type Scalar, type SteeringOp } from "./base";
import { Ghosts, type Preview } from "./ghosts";
import { healthLine, type Health } from "./prior_health";

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
  notes?: Record<string, string>; // the space editor's: per prior, what the steering does to it
}

/** Send an edit; resolves to whether the kernel took it. */
export type Edit = (op: SteeringOp, args: Record<string, unknown>) => Promise<boolean>;

export const BINS = 30;
export const PAD = 10; // px between the track's ends and the box
export const HEIGHT = 62;
// Top to bottom: histogram, the pin handle's lane, the track with its handles, the prior's lane.
const HIST_TOP = 2;
const HIST_H = 20;
const PIN_Y = 29;
const TRACK_Y = 44;
const CONFIDENCES = ["low", "medium", "high"];
const COMMIT_MS = 600; // keyboard nudges are sent once the keys rest this long
type Handle = "low" | "high" | "prior" | "pin";

/** Log-aware mapping between a numeric parameter's values and [0, 1] along its base range. */
export function toUnit(p: ParamSpec, v: number): number {
  const lo = p.low as number;
  const hi = p.high as number;
  if (hi === lo) return 0.5;
  const u = p.log && lo > 0 ? (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo)) : (v - lo) / (hi - lo);
  return Math.min(1, Math.max(0, u));
}

/** Snap a value to what the parameter can take (its grid, integers), clamped to the base range. */
export function snap(p: ParamSpec, v: number, digits = 4): number {
  const lo = p.low as number;
  const hi = p.high as number;
  if (p.step) v = lo + Math.round((v - lo) / p.step) * p.step; // quantized parameters
  if (p.kind === "int") v = Math.round(v);
  else v = +v.toPrecision(p.step ? 12 : digits); // a readable value; the kernel validates the exact one
  return Math.min(hi, Math.max(lo, v));
}

export function fromUnit(p: ParamSpec, u: number): number {
  const lo = p.low as number;
  const hi = p.high as number;
  u = Math.min(1, Math.max(0, u));
  const v = p.log && lo > 0 ? Math.exp(Math.log(lo) + u * (Math.log(hi) - Math.log(lo))) : lo + u * (hi - lo);
  return snap(p, v);
}

/** One keyboard step (or ``k`` of them) from ``v``: a grid step for ints and stepped floats,
 * a hundredth of the (log-)track otherwise. */
export function nudge(p: ParamSpec, v: number, k: number): number {
  if (p.kind === "int" || p.step) return snap(p, v + k * (p.step || 1));
  return fromUnit(p, toUnit(p, v) + k / 100);
}

/** The part of the state a row shows: an error about it stands until this changes. */
function signature(p: ParamSpec, st: EditorState): string {
  return JSON.stringify([st.ranges[p.name], st.allowed[p.name], st.pins[p.name], st.priors[p.name]]);
}

export class ParamRow {
  readonly el: HTMLDivElement;
  readonly error: HTMLDivElement;
  /** What the kernel said of an accepted edit (a prior outside the range acts truncated). */
  readonly note: HTMLDivElement;
  private readonly counts: number[] | Map<string, number>;
  private state: EditorState | null = null;
  private dragging: Handle | null = null;
  private errorSig: string | null = null;
  private width = 300;
  private local: { lo: number; hi: number; prior: number; pin: number } | null = null;
  private readonly parts: Record<string, any> = {};
  private timer: ReturnType<typeof setTimeout> | null = null;
  // A range sent but not yet seen in the kernel's state: the next gesture starts from it, not
  // from the older state (dragging the low handle right after the high one must keep the new high).
  private expected: { range: [number, number]; from: string } | null = null;
  // Where the next trials would go under the edit a held handle would make (none: no preview).
  private ghosts: Ghosts | null = null;

  constructor(
    readonly p: ParamSpec,
    private readonly edit: Edit,
    private readonly preview?: Preview,
  ) {
    this.counts = p.kind === "categorical" ? new Map() : new Array(this.bins()).fill(0);
    this.error = h("div", { class: "hcw-error", role: "alert" });
    this.note = h("div", { class: "hcw-note", role: "status" });
    const head = h("div", { class: "hcw-param-head" }, h("span", { class: "hcw-name" }, p.name));
    this.el = h("div", { class: "hcw-param", "data-param": p.name, "data-kind": p.kind }, head);
    if (p.kind === "constant") {
      head.append(h("span", { class: "hcw-range-text" }, `= ${fmt(p.default)}`), h("span", { class: "hcw-base-text" }, "constant"));
      return;
    }
    const inForce = h("div", { class: "hcw-in-force" });
    const conf = h("select", { class: "hcw-confidence", title: "prior confidence", "aria-label": `${p.name} prior confidence` });
    for (const c of CONFIDENCES) conf.append(h("option", { value: c }, c));
    conf.value = "medium";
    const pin = h("input", { class: "hcw-pin", type: "checkbox", "data-action": "pin", "aria-label": `pin ${p.name}` });
    const reset = h("button", { "data-action": "reset", type: "button", title: "the base range back" }, "reset");
    const clear = h("button", { "data-action": "clear-prior", type: "button" }, "clear prior");
    const controls = h("span", { class: "hcw-controls" }, h("label", { class: "hcw-pin-label" }, pin, " pin"), conf, clear, reset);
    // The name and the controls on one line, what is in force on the next: the row keeps its
    // height when the text changes (a row jumping under the pointer loses the drag).
    if (p.condition) {
      head.append(h("span", { class: "hcw-cond" }, `if ${p.condition.parent} ∈ {${p.condition.values.map((v) => fmt(v)).join(", ")}}`));
    }
    head.append(controls);
    const health = h("div", { class: "hcw-prior-health", "data-state": "none" });
    this.el.append(inForce, health);
    Object.assign(this.parts, { inForce, conf, pin, clear, health });
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
    this.el.append(this.error, this.note);
  }

  /** Whether the histogram has one bar per value: an integer (or stepped) parameter with no
   * more values than BINS, on a linear scale (30 slices over 1..10 would leave gaps). */
  private integerBins(): boolean {
    const p = this.p;
    if ((p.kind !== "int" && !p.step) || p.log || p.low === null || p.high === null) return false;
    return (p.high - p.low) / (p.step || 1) + 1 <= BINS;
  }

  private bins(): number {
    const p = this.p;
    return this.integerBins() ? Math.round(((p.high as number) - (p.low as number)) / (p.step || 1)) + 1 : BINS;
  }

  // -- building --------------------------------------------------------------------------------
  private buildChoices(): void {
    const p = this.p;
    const box = h("div", { class: "hcw-choices", role: "group", "aria-label": `${p.name}: allowed choices` });
    const priorSel = h("select", { class: "hcw-prior-select", title: "prior choice", "aria-label": `${p.name} prior choice` });
    priorSel.append(h("option", { value: "" }, "no prior"));
    (p.choices ?? []).forEach((c, i) => {
      priorSel.append(h("option", { value: String(i) }, `prior: ${fmt(c)}`));
      const b = h("button", { class: "hcw-choice", type: "button", "data-choice": String(c), "aria-pressed": "true" },
        fmt(c), h("span", { class: "hcw-count" }, "0"));
      b.addEventListener("click", () => {
        // From the buttons as shown, not from the last state the kernel sent: a second click
        // made before the first edit's state came back must build on it, not undo it.
        const allowed = new Set<string>();
        for (const x of box.querySelectorAll<HTMLButtonElement>(".hcw-choice")) {
          if (x.getAttribute("aria-pressed") === "true") allowed.add(x.dataset.choice ?? "");
        }
        if (allowed.has(String(c))) allowed.delete(String(c));
        else allowed.add(String(c));
        const choices = (p.choices ?? []).filter((x) => allowed.has(String(x)));
        b.setAttribute("aria-pressed", String(allowed.has(String(c))));
        void this.edit("allow", { name: p.name, choices }).then((ok) => {
          if (ok || !this.state) return;
          // Refused: show what is in force again.
          const held = new Set((this.state.allowed[p.name] ?? p.choices ?? []).map(String));
          for (const x of box.querySelectorAll<HTMLButtonElement>(".hcw-choice")) {
            x.setAttribute("aria-pressed", String(held.has(x.dataset.choice ?? "")));
          }
        });
      });
      box.append(b);
    });
    priorSel.addEventListener("change", () => {
      const conf = (this.parts.conf as HTMLSelectElement).value;
      if (priorSel.value === "") void this.edit("clear_prior", { name: p.name });
      else void this.edit("prior", { name: p.name, value: (p.choices ?? [])[Number(priorSel.value)], confidence: conf });
    });
    (this.parts.conf as HTMLElement).before(priorSel);
    this.el.append(box);
    Object.assign(this.parts, { box, priorSel });
  }

  private buildTrack(): void {
    const p = this.p;
    const svg = s("svg", { class: "hcw-track", height: HEIGHT }) as SVGSVGElement;
    const bars = s("g", { class: "hcw-hist" });
    for (let i = 0; i < this.bins(); i++) bars.append(s("rect", { class: "hcw-hist-bar", y: HIST_TOP + HIST_H, height: 0, "data-count": 0 }));
    const base = s("line", { class: "hcw-base", y1: TRACK_Y, y2: TRACK_Y });
    const current = s("rect", { class: "hcw-current", y: TRACK_Y - 3, height: 6 });
    const pinMarker = s("line", { class: "hcw-pin-marker", y1: PIN_Y, y2: TRACK_Y + 10, visibility: "hidden" });
    const pinHandle = s("path", { class: "hcw-pin-handle hcw-pin-unset", d: "M0,-6 l5,6 l-5,6 l-5,-6 z" });
    const prior = s("path", { class: "hcw-prior-marker hcw-prior-unset", d: "M0,0 l-6,10 l12,0 z" });
    const low = s("circle", { class: "hcw-handle-low", "data-handle": "low", cy: TRACK_Y, r: 7 });
    const high = s("circle", { class: "hcw-handle-high", "data-handle": "high", cy: TRACK_Y, r: 7 });
    svg.append(bars, base, current, pinMarker, pinHandle, prior, low, high);
    if (this.preview) {
      this.ghosts = new Ghosts(p.name, this.preview, (v) => this.xOf(v), TRACK_Y);
      svg.append(this.ghosts.group); // on top, but it takes no pointer events
    }
    this.el.append(svg);
    Object.assign(this.parts, { svg, bars, base, current, pinMarker, pinHandle, prior, low, high });
    const labels: Record<Handle, string> = { low: "lower bound", high: "upper bound", prior: "prior", pin: "pin" };
    for (const [el, which] of [[low, "low"], [high, "high"], [prior, "prior"], [pinHandle, "pin"]] as [Element, Handle][]) {
      el.setAttribute("role", "slider");
      el.setAttribute("tabindex", "0");
      el.setAttribute("aria-label", `${p.name} ${labels[which]}`);
      el.setAttribute("aria-valuemin", String(p.low));
      el.setAttribute("aria-valuemax", String(p.high));
      this.drag(el, which);
      this.keys(el, which);
    }
    this.resize(300);
  }

  /** Lay the track out for a box ``width`` px wide (drawn in px, so handles stay round). */
  resize(width: number): void {
    if (!this.parts.svg || !(width > 0)) return;
    this.width = width;
    const svg = this.parts.svg as SVGSVGElement;
    svg.setAttribute("viewBox", `0 0 ${width} ${HEIGHT}`);
    const n = this.bins();
    const ints = this.integerBins();
    // A bar per integer, centred on it; otherwise BINS equal slices of the track. The end bars
    // are centred on the track's ends: no wider than twice the margin there, or they stick out.
    const bw = ints ? Math.min(2 * PAD, ((width - 2 * PAD) / Math.max(1, n - 1)) * 0.7) : (width - 2 * PAD) / BINS;
    this.parts.bars.querySelectorAll("rect").forEach((r: Element, i: number) => {
      const x = ints ? this.xOf((this.p.low as number) + i * (this.p.step || 1)) - bw / 2 : PAD + i * bw + 0.5;
      r.setAttribute("x", String(x));
      r.setAttribute("width", String(Math.max(ints ? bw : bw - 1, 1)));
    });
    this.parts.base.setAttribute("x1", String(PAD));
    this.parts.base.setAttribute("x2", String(width - PAD));
    if (this.state) this.paint(this.state);
  }

  private xOf(v: number): number {
    return PAD + toUnit(this.p, v) * (this.width - 2 * PAD);
  }

  // -- gestures --------------------------------------------------------------------------------
  private values(): { lo: number; hi: number; prior: number; pin: number } {
    const [lo, hi] = this.range();
    return { lo, hi, prior: this.priorValue(), pin: this.pinValue() as number };
  }

  private move(which: Handle, v: number): void {
    const cur = this.local ?? this.values();
    if (which === "low") cur.lo = Math.min(v, cur.hi);
    else if (which === "high") cur.hi = Math.max(v, cur.lo);
    else cur[which] = v;
    this.local = cur;
    this.place(cur, which);
    this.previewEdit(which, cur);
  }

  /** Ask (debounced) where the next trials would go if the held handle were released here. */
  private previewEdit(which: Handle, cur: { lo: number; hi: number; prior: number; pin: number }): void {
    if (!this.ghosts) return;
    const name = this.p.name;
    if (which === "prior") this.ghosts.schedule("prior", { name, value: cur.prior, confidence: (this.parts.conf as HTMLSelectElement).value });
    else if (which === "pin") this.ghosts.schedule("pin", { name, value: cur.pin });
    else this.ghosts.schedule("narrow", { name, low: cur.lo, high: cur.hi });
  }

  private commit(which: Handle): void {
    this.ghosts?.clear();
    const cur = this.local;
    this.local = null;
    this.dragging = null;
    delete this.el.dataset.dragging;
    if (!cur) return;
    const p = this.p;
    const [lo0, hi0] = this.range();
    if (which === "prior") {
      void this.edit("prior", { name: p.name, value: cur.prior, confidence: (this.parts.conf as HTMLSelectElement).value });
    } else if (which === "pin") {
      void this.edit("pin", { name: p.name, value: cur.pin });
    } else if (cur.lo !== lo0 || cur.hi !== hi0) {
      this.narrow(cur.lo, cur.hi);
    } else if (this.state) this.paint(this.state);
  }

  /** Pointer drag; the edit is sent once, on release. A cancelled drag (the browser took the
   * pointer, e.g. for a scroll) changes nothing and gives the row back to the kernel's state. */
  private drag(handle: Element, which: Handle): void {
    const svg = this.parts.svg as SVGSVGElement;
    handle.addEventListener("pointerdown", (e0) => {
      (e0 as PointerEvent).preventDefault();
      this.dragging = which;
      this.el.dataset.dragging = which; // which handle is held (for styles and tests)
      this.local = this.values();
      const move = (ev: Event) => {
        const rect = svg.getBoundingClientRect();
        const width = rect.width || this.width;
        const u = ((ev as PointerEvent).clientX - rect.left - PAD) / (width - 2 * PAD);
        this.move(which, fromUnit(this.p, u));
      };
      const stop = () => {
        window.removeEventListener("pointermove", move);
        window.removeEventListener("pointerup", up);
        window.removeEventListener("pointercancel", cancel);
      };
      const up = (ev: Event) => {
        move(ev);
        stop();
        this.commit(which);
      };
      const cancel = () => {
        stop();
        this.ghosts?.clear();
        this.local = null;
        this.dragging = null;
        delete this.el.dataset.dragging;
        if (this.state) this.paint(this.state);
      };
      window.addEventListener("pointermove", move);
      window.addEventListener("pointerup", up);
      window.addEventListener("pointercancel", cancel);
    });
  }

  /** Arrow keys move a handle by a step (Page keys by ten, Home/End to the ends); the edit is
   * sent when the keys rest, on Enter, or when the handle loses focus. */
  private keys(handle: Element, which: Handle): void {
    const p = this.p;
    handle.addEventListener("keydown", (e0) => {
      const e = e0 as KeyboardEvent;
      const steps: Record<string, number> = { ArrowRight: 1, ArrowUp: 1, ArrowLeft: -1, ArrowDown: -1, PageUp: 10, PageDown: -10 };
      if (e.key === "Enter") {
        if (this.timer) clearTimeout(this.timer);
        this.commit(which);
        return;
      }
      const cur = this.local ?? this.values();
      let v: number;
      if (e.key in steps) v = nudge(p, cur[which === "low" ? "lo" : which === "high" ? "hi" : which], steps[e.key]);
      else if (e.key === "Home") v = p.low as number;
      else if (e.key === "End") v = p.high as number;
      else return;
      e.preventDefault();
      this.dragging = which;
      this.move(which, v);
      if (this.timer) clearTimeout(this.timer);
      this.timer = setTimeout(() => this.commit(which), COMMIT_MS);
    });
    handle.addEventListener("blur", () => {
      if (this.dragging !== which || !this.timer) return;
      clearTimeout(this.timer);
      this.timer = null;
      this.commit(which);
    });
  }

  /** A number in the row's text that turns into an input when clicked. */
  private typed(field: Handle, value: Scalar | undefined, label: string): HTMLElement {
    const span = h("button", { type: "button", class: "hcw-num", "data-field": field, title: `click to type the ${label}` }, value === undefined ? "–" : fmt(value));
    span.addEventListener("click", () => {
      const input = h("input", { class: "hcw-num-input", type: "text", "data-field": field, "aria-label": `${this.p.name} ${label}`, size: "8" });
      input.value = value === undefined || value === null ? "" : String(value);
      let done = false;
      const finish = (send: boolean) => {
        if (done) return;
        done = true;
        const text = input.value.trim();
        input.replaceWith(span);
        if (!send || text === "" || text === String(value)) return;
        const v = Number(text);
        if (!Number.isFinite(v)) {
          this.showError(`${this.p.name}: "${text}" is not a number`);
          return;
        }
        this.sendTyped(field, v);
      };
      input.addEventListener("keydown", (e) => {
        if (e.key === "Enter") finish(true);
        else if (e.key === "Escape") finish(false);
      });
      input.addEventListener("blur", () => finish(true));
      span.replaceWith(input);
      input.focus();
      input.select();
    });
    return span;
  }

  private narrow(lo: number, hi: number): void {
    this.expected = { range: [lo, hi], from: JSON.stringify(this.stateRange()) };
    void this.edit("narrow", { name: this.p.name, low: lo, high: hi }).then((ok) => {
      if (ok) return;
      this.expected = null;
      if (this.state) this.paint(this.state);
    });
  }

  private sendTyped(field: Handle, v: number): void {
    const p = this.p;
    const [lo, hi] = this.range();
    if (field === "low") this.narrow(v, hi);
    else if (field === "high") this.narrow(lo, v);
    else if (field === "prior") void this.edit("prior", { name: p.name, value: v, confidence: (this.parts.conf as HTMLSelectElement).value });
    else void this.edit("pin", { name: p.name, value: v });
  }

  // -- reading the state -------------------------------------------------------------------------
  private stateRange(): [number, number] {
    return this.state?.ranges[this.p.name] ?? [this.p.low as number, this.p.high as number];
  }

  private range(): [number, number] {
    return this.expected?.range ?? this.stateRange();
  }

  /** Where the prior marker stands: the prior, else (unset, to be dragged) the space's default
   * while it lies in the current range, else the range's middle, as the unset pin does. */
  private priorValue(): number {
    const p = this.p;
    const prior = this.state?.priors[p.name];
    if (prior && typeof prior.value === "number") return prior.value;
    const [lo, hi] = this.range();
    if (typeof p.default === "number" && p.default >= lo && p.default <= hi) return p.default;
    return fromUnit(p, (toUnit(p, lo) + toUnit(p, hi)) / 2);
  }

  /** Where a pin goes: the pinned value, else the pin handle where the person left it, else the
   * prior, else the middle of the current range. */
  private pinValue(): Scalar {
    const p = this.p;
    const st = this.state;
    if (st && p.name in st.pins) return st.pins[p.name];
    const prior = st?.priors[p.name];
    if (p.kind === "categorical") return prior ? prior.value : (st?.allowed[p.name] ?? p.choices ?? [null])[0];
    if (this.parts.pinAt !== undefined) return this.parts.pinAt as number;
    if (prior && typeof prior.value === "number") return prior.value;
    const [lo, hi] = this.range();
    return fromUnit(p, (toUnit(p, lo) + toUnit(p, hi)) / 2);
  }

  showError(text: string): void {
    this.error.textContent = text;
    this.errorSig = this.state ? signature(this.p, this.state) : null;
  }

  clearError(): void {
    this.error.textContent = "";
    this.errorSig = null;
  }

  // -- drawing -------------------------------------------------------------------------------------
  private place(v: { lo: number; hi: number; prior: number; pin: number }, moving: Handle | null = null): void {
    const x0 = this.xOf(v.lo);
    const x1 = this.xOf(v.hi);
    const cur = this.parts.current;
    cur.setAttribute("x", String(x0));
    cur.setAttribute("width", String(Math.max(0, x1 - x0)));
    this.parts.low.setAttribute("cx", String(x0));
    this.parts.high.setAttribute("cx", String(x1));
    this.parts.prior.setAttribute("transform", `translate(${this.xOf(v.prior)},${TRACK_Y + 7})`);
    this.parts.pinHandle.setAttribute("transform", `translate(${this.xOf(v.pin)},${PIN_Y})`);
    const now: Record<Handle, number> = { low: v.lo, high: v.hi, prior: v.prior, pin: v.pin };
    for (const which of ["low", "high", "prior", "pin"] as Handle[]) {
      const el = this.parts[which === "pin" ? "pinHandle" : which] as Element;
      el.setAttribute("aria-valuenow", String(now[which]));
      el.setAttribute("aria-valuetext", fmt(now[which]));
    }
    if (moving) {
      // While a handle moves, the text says where it is (the kernel's answer replaces it).
      const field = this.parts.inForce.querySelector(`.hcw-num[data-field="${moving}"]`);
      if (field) field.textContent = fmt(now[moving]);
    }
    if (moving === "pin") this.parts.pinAt = v.pin;
  }

  private paintText(st: EditorState): void {
    const p = this.p;
    const prior = st.priors[p.name];
    const pinned = p.name in st.pins;
    const parts: Node[] = [];
    if (p.kind === "categorical") {
      const allowed = st.allowed[p.name] ?? p.choices ?? [];
      const all = allowed.length === (p.choices ?? []).length;
      parts.push(h("span", { class: "hcw-range-text" }, pinned ? `= ${fmt(st.pins[p.name])}` : all ? "any choice" : `only ${allowed.map((c) => fmt(c)).join(", ")}`));
      if (prior) parts.push(h("span", { class: "hcw-prior-text" }, `prior ${fmt(prior.value)} (${prior.confidence})`));
    } else {
      const [lo, hi] = this.range();
      const narrowed = lo !== p.low || hi !== p.high;
      parts.push(h("span", { class: "hcw-range-text" + (narrowed ? " hcw-narrowed" : "") }, this.typed("low", lo, "lower bound"), " – ", this.typed("high", hi, "upper bound")));
      parts.push(h("span", { class: "hcw-base-text", title: "base range" }, narrowed ? `of ${fmt(p.low)} – ${fmt(p.high)}${p.log ? " log" : ""}` : p.log ? "log" : ""));
      parts.push(h("span", { class: "hcw-prior-text" + (prior ? "" : " hcw-unset") }, "prior ", this.typed("prior", prior?.value, "prior"), prior ? ` (${prior.confidence})` : ""));
      parts.push(h("span", { class: "hcw-pin-text" + (pinned ? "" : " hcw-unset") }, pinned ? "pinned " : "pin ", this.typed("pin", pinned ? st.pins[p.name] : undefined, "pinned value")));
    }
    this.parts.inForce.replaceChildren(...parts);
  }

  /** The prior's evidence, in words, under what is in force (nothing when there is no prior). */
  showHealth(health: Health | undefined): void {
    const el = this.parts.health as HTMLElement | undefined;
    if (!el) return;
    const line = healthLine(this.state?.priors[this.p.name] !== undefined, health);
    el.dataset.state = line.state;
    el.textContent = line.text;
    el.title = line.title;
  }

  /** Redraw from the kernel's state (also how a refused edit is reverted). */
  paint(state: EditorState): void {
    const changed = this.state === null || this.state.version !== state.version;
    this.state = state;
    // The kernel's range moved (our edit, or anyone's): it is the truth again.
    if (this.expected && JSON.stringify(this.stateRange()) !== this.expected.from) this.expected = null;
    const p = this.p;
    if (p.kind === "constant") return;
    // An inline error stands until what it complained about changes (from here or a cell).
    if (this.errorSig !== null && signature(p, state) !== this.errorSig) this.clearError();
    // The kernel's word on what the steering in force does to this row's prior (truncated to a
    // range or choices, waiting for an unpin), whoever made the edits.
    this.note.textContent = state.notes?.[p.name] ?? "";
    const prior = state.priors[p.name];
    const pinned = p.name in state.pins;
    this.el.dataset.pinned = String(pinned);
    this.el.dataset.prior = String(prior !== undefined);
    const pin = this.parts.pin as HTMLInputElement;
    pin.checked = pinned;
    pin.title = pinned ? `pinned to ${fmt(state.pins[p.name])}` : "pin where the red diamond is (drag it), or at the prior";
    if (prior) (this.parts.conf as HTMLSelectElement).value = prior.confidence;
    (this.parts.clear as HTMLButtonElement).disabled = prior === undefined;
    const typing = this.parts.inForce.querySelector(".hcw-num-input") !== null;
    if ((changed || !this.dragging) && !typing) this.paintText(state);
    if (p.kind === "categorical") {
      const allowed = new Set((state.allowed[p.name] ?? p.choices ?? []).map(String));
      for (const b of this.parts.box.querySelectorAll(".hcw-choice") as NodeListOf<HTMLButtonElement>) {
        b.setAttribute("aria-pressed", String(allowed.has(b.dataset.choice ?? "")));
        b.classList.toggle("hcw-pinned", pinned && String(state.pins[p.name]) === b.dataset.choice);
        b.classList.toggle("hcw-prior-choice", prior !== undefined && String(prior.value) === b.dataset.choice);
      }
      const idx = prior ? (p.choices ?? []).findIndex((c) => String(c) === String(prior.value)) : -1;
      (this.parts.priorSel as HTMLSelectElement).value = idx >= 0 ? String(idx) : "";
      return;
    }
    if (this.dragging) return;
    if (pinned) delete this.parts.pinAt;
    this.place(this.values());
    this.parts.prior.classList.toggle("hcw-prior-unset", prior === undefined);
    this.parts.pinHandle.classList.toggle("hcw-pin-unset", !pinned);
    const pm = this.parts.pinMarker;
    if (pinned && typeof state.pins[p.name] === "number") {
      const x = this.xOf(state.pins[p.name] as number);
      pm.setAttribute("x1", String(x));
      pm.setAttribute("x2", String(x));
      pm.setAttribute("visibility", "visible");
    } else pm.setAttribute("visibility", "hidden");
  }

  add(v: Scalar): void {
    if (v === null || v === undefined) return;
    if (this.counts instanceof Map) this.counts.set(String(v), (this.counts.get(String(v)) ?? 0) + 1);
    else if (typeof v === "number" && this.p.kind !== "constant") {
      const n = this.counts.length;
      const i = this.integerBins() ? Math.round((v - (this.p.low as number)) / (this.p.step || 1)) : Math.floor(toUnit(this.p, v) * BINS);
      this.counts[Math.max(0, Math.min(n - 1, i))] += 1;
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
    const counts = this.counts;
    const max = Math.max(1, ...counts);
    this.parts.bars.querySelectorAll("rect").forEach((r: Element, i: number) => {
      const hgt = (HIST_H * counts[i]) / max;
      r.setAttribute("y", String(HIST_TOP + HIST_H - hgt));
      r.setAttribute("height", String(hgt));
      r.setAttribute("data-count", String(counts[i]));
    });
  }
}
