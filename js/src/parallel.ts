// Parallel coordinates of every trial, with a d3 brush on each axis (twin of
// hcautoml_widgets/insights/parallel.py, whose edit_for_brush says what a brush means).
//
// Selectors for browser tests:
//   svg.hcw-pc-svg; g.hcw-pc-axis[data-param="NAME"] (one per parameter, then data-param="value")
//   with g.hcw-pc-brush (d3-brush: its rect.overlay is what a drag starts on) and
//   rect.hcw-pc-range (the current range, when narrowed), path.hcw-pc-prior (the prior)
//   path.hcw-pc-line[data-n][data-state][data-review] (class hcw-dim when outside the brushes)
//   .hcw-pc-actions: .hcw-pc-count ("12 of 80 trials selected"),
//   button[data-action="narrow"|"prior"|"clear"], .hcw-pc-done, .hcw-pc-error (inline error)
import { axisLeft } from "d3-axis";
import { brushY, type BrushBehavior } from "d3-brush";
import { scaleLinear, scaleLog, scalePoint, scaleSequentialQuantile } from "d3-scale";
import { interpolateViridis } from "d3-scale-chromatic";
import { select } from "d3-selection";
import { fmt, h, type Ack, type Row, type Scalar } from "./base";
import { numericTicks, type Axis, type Steer } from "./insights_charts";

export type Sel = [number, number] | Scalar[];
export interface Edit {
  op: string;
  args: Record<string, unknown>;
}

/** What a brush means as a steering edit (the same rules as the kernel's edit_for_brush):
 * "narrow" keeps the brushed interval, integers and steps rounded inwards (to the nearest grid
 * point when the brush holds none), categorical axes allow the brushed choices; "prior" centres
 * a medium prior in the middle of the brush (geometric middle on a log axis). */
export function brushEdit(axis: Axis & { step?: number | null }, sel: Sel, action: "narrow" | "prior"): Edit {
  const name = axis.name;
  if (axis.kind === "categorical") {
    const picked = (axis.choices ?? []).filter((c) => (sel as Scalar[]).map(String).includes(String(c)));
    if (!picked.length) throw new Error(`parameter '${name}': the brush holds no choice`);
    if (action === "narrow") return { op: "allow", args: { name, choices: picked } };
    return { op: "prior", args: { name, value: picked[0], confidence: "medium" } };
  }
  let [lo, hi] = [...(sel as number[])].sort((a, b) => a - b);
  const step = axis.step ?? (axis.kind === "int" ? 1 : null);
  const base = Number(axis.low);
  const snap = (v: number) => (step ? base + Math.round((v - base) / step) * step : v);
  if (action === "prior") {
    const mid = axis.log && lo > 0 ? Math.sqrt(lo * hi) : (lo + hi) / 2;
    return { op: "prior", args: { name, value: tidy(snap(mid), axis), confidence: "medium" } };
  }
  if (step) {
    let kLo = Math.ceil((lo - base) / step - 1e-9);
    let kHi = Math.floor((hi - base) / step + 1e-9);
    if (kLo > kHi) kLo = kHi = Math.round(((lo + hi) / 2 - base) / step);
    lo = base + kLo * step;
    hi = base + kHi * step;
  }
  return { op: "narrow", args: { name, low: tidy(lo, axis), high: tidy(hi, axis) } };
}

function tidy(v: number, axis: Axis): number {
  if (axis.kind === "int") return Math.round(v);
  return Number(v.toPrecision(12)); // 0.1 * 3 is 0.30000000000000004; the grid says 0.3
}

type Scale = { (v: any): number | undefined; invert?: (px: number) => number; domain(): any[] };

const VALUE = "value";
const CAT_PAD = 0.5;

export class ParallelCoords {
  readonly root: HTMLElement;
  private readonly svgEl: SVGSVGElement;
  private readonly linesG: SVGGElement;
  private readonly count = h("span", { class: "hcw-pc-count" });
  private readonly done = h("span", { class: "hcw-pc-done" });
  private readonly error = h("span", { class: "hcw-pc-error", role: "alert" });
  private readonly buttons: Record<string, HTMLButtonElement> = {};
  private axes: Axis[] = [];
  private direction = "minimize";
  private metric = "value";
  private scales = new Map<string, Scale>();
  private xs = new Map<string, number>();
  private brushes = new Map<string, BrushBehavior<unknown>>();
  private selections = new Map<string, Sel>();
  private active: string | null = null;
  private rows = new Map<number, Row>();
  private steer: Steer | null = null;
  private width = 900;
  private readonly height = 300;
  private readonly top = 40;
  private readonly bottom = 276;
  private busy = false;

  constructor(parent: HTMLElement, private readonly send: (op: string, args: Record<string, unknown>) => Promise<Ack>) {
    this.root = h("div", { class: "hcw-pc" });
    this.svgEl = document.createElementNS("http://www.w3.org/2000/svg", "svg") as SVGSVGElement;
    this.svgEl.setAttribute("class", "hcw-pc-svg");
    this.linesG = document.createElementNS("http://www.w3.org/2000/svg", "g") as SVGGElement;
    this.linesG.setAttribute("class", "hcw-pc-lines");
    const bar = h("div", { class: "hcw-pc-actions" }, this.count);
    for (const [action, label] of [["narrow", "Narrow to this"], ["prior", "Prior here"], ["clear", "Clear"]]) {
      const b = h("button", { type: "button", "data-action": action }, label);
      b.addEventListener("click", () => void this.act(action));
      this.buttons[action] = b;
      bar.append(b);
    }
    bar.append(this.done, this.error);
    this.root.append(bar, this.svgEl);
    parent.append(this.root);
    this.paintActions();
  }

  setAxes(axes: Axis[], direction: string, width: number, metric = "value"): void {
    this.axes = axes;
    this.direction = direction;
    this.metric = metric;
    this.width = Math.max(120 * (axes.length + 1), width);
    this.build();
  }

  setSteer(steer: Steer): void {
    this.steer = steer;
    this.paintSteer();
  }

  setRows(rows: Map<number, Row>): void {
    this.rows = rows;
    this.updateValueAxis();
    this.drawLines();
  }

  /** Brush an axis programmatically (in data units; choices for a categorical axis). */
  brush(name: string, sel: Sel | null): void {
    const b = this.brushes.get(name);
    const g = select(this.svgEl).select<SVGGElement>(`g.hcw-pc-axis[data-param="${name}"] g.hcw-pc-brush`);
    if (!b || g.empty()) throw new Error(`no axis ${name}`);
    if (sel === null) {
      g.call(b.move, null);
      return;
    }
    const y = this.scales.get(name)!;
    let px: number[];
    if (this.axisOf(name)?.kind === "categorical") {
      const ps = (sel as Scalar[]).map((c) => y(String(c))!).filter((v) => v !== undefined);
      px = [Math.min(...ps) - 4, Math.max(...ps) + 4];
    } else {
      px = (sel as number[]).map((v) => y(v)!);
    }
    g.call(b.move, [Math.min(...px), Math.max(...px)]);
  }

  selected(): number[] {
    return [...this.rows.values()].filter((r) => this.inside(r)).map((r) => r.n);
  }

  // -- drawing ---------------------------------------------------------------------------------
  private axisOf(name: string): Axis | undefined {
    return this.axes.find((a) => a.name === name);
  }

  private scaleFor(axis: Axis): Scale {
    const range: [number, number] = [this.bottom, this.top];
    if (axis.kind === "categorical") {
      return scalePoint<string>().domain((axis.choices ?? []).map(String)).range(range).padding(CAT_PAD) as any;
    }
    const d: [number, number] = [Number(axis.low), Number(axis.high)];
    return (axis.log ? scaleLog().domain(d) : scaleLinear().domain(d)).range(range) as any;
  }

  private valueDomain(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (const r of this.rows.values()) {
      if (r.value === null || r.state !== "complete") continue;
      lo = Math.min(lo, r.value);
      hi = Math.max(hi, r.value);
    }
    if (!isFinite(lo)) return [0, 1];
    if (lo === hi) return [lo - 0.5, hi + 0.5];
    return [lo, hi];
  }

  private build(): void {
    const svg = select(this.svgEl);
    svg.selectAll("*").remove();
    this.svgEl.setAttribute("width", String(this.width));
    this.svgEl.setAttribute("height", String(this.height));
    this.svgEl.setAttribute("viewBox", `0 0 ${this.width} ${this.height}`);
    this.svgEl.append(this.linesG);
    const names = [...this.axes.map((a) => a.name), VALUE];
    // The first axis's label is centred on it: leave it room on the left.
    const first = this.axes[0] ? this.axes[0].name.length + (this.axes[0].log ? 6 : 0) : 0;
    const left = Math.max(50, 10 + 3.4 * first);
    const step = (this.width - left - 40) / Math.max(1, names.length - 1);
    this.brushes.clear();
    names.forEach((name, i) => {
      const x = left + i * step;
      this.xs.set(name, x);
      const axis = this.axisOf(name);
      const scale = axis ? this.scaleFor(axis) : (scaleLinear().domain(this.valueDomain()).range([this.bottom, this.top]) as any);
      this.scales.set(name, scale);
      const g = svg.append("g").attr("class", "hcw-pc-axis").attr("data-param", name)
        .attr("transform", `translate(${x},0)`);
      g.append("g").attr("class", "hcw-pc-ticks");
      g.append("g").attr("class", "hcw-pc-steer"); // over the axis line, under the brush
      g.append("text").attr("class", "hcw-pc-label").attr("y", 11).attr("text-anchor", "middle")
        .text(name === VALUE ? this.metric : name + (axis?.log ? " (log)" : ""));
      // The tick labels sit left of the axis from 9 px out: the brush stops short of them, so a
      // brushed interval never hides the values it spans.
      const brush = brushY<unknown>().extent([[-7, this.top - 4], [12, this.bottom + 4]])
        .on("start brush end", (event: any) => this.onBrush(name, event.selection as [number, number] | null));
      this.brushes.set(name, brush);
      g.append("g").attr("class", "hcw-pc-brush").call(brush as any);
    });
    // The failed trials' slot above the objective axis.
    svg.append("text").attr("class", "hcw-pc-failed-label").attr("x", this.xs.get(VALUE)! + 8)
      .attr("y", this.top - 18).text("failed");
    for (const name of names) this.drawTicks(name);
    this.paintSteer();
    this.drawLines();
  }

  private drawTicks(name: string): void {
    const axis = this.axisOf(name);
    const scale = this.scales.get(name)!;
    const g = select(this.svgEl).select<SVGGElement>(`g.hcw-pc-axis[data-param="${name}"] g.hcw-pc-ticks`);
    const ax = axisLeft(scale as any);
    if (axis?.kind !== "categorical") numericTicks(ax, scale, 5, !!axis?.log, axis?.kind === "int");
    g.call(ax as any);
  }

  private updateValueAxis(): void {
    const scale = this.scales.get(VALUE) as any;
    if (!scale) return;
    const d = this.valueDomain();
    const old = scale.domain();
    if (old[0] === d[0] && old[1] === d[1]) return;
    scale.domain(d);
    this.drawTicks(VALUE);
  }

  private paintSteer(): void {
    const steer = this.steer;
    for (const axis of this.axes) {
      const y = this.scales.get(axis.name);
      const g = select(this.svgEl).select<SVGGElement>(`g.hcw-pc-axis[data-param="${axis.name}"] g.hcw-pc-steer`);
      if (!y || g.empty()) continue;
      g.selectAll("*").remove();
      const range = steer?.ranges[axis.name];
      if (axis.kind !== "categorical" && range && (range[0] > Number(axis.low) || range[1] < Number(axis.high))) {
        const a = y(range[0])!;
        const b = y(range[1])!;
        g.append("rect").attr("class", "hcw-pc-range").attr("x", -4).attr("width", 8)
          .attr("y", Math.min(a, b)).attr("height", Math.max(2, Math.abs(a - b)))
          .append("title").text(`current range ${fmt(range[0])} – ${fmt(range[1])}`);
      }
      const allowed = steer?.allowed[axis.name];
      if (axis.kind === "categorical" && allowed && allowed.length < (axis.choices ?? []).length) {
        for (const c of allowed) {
          g.append("rect").attr("class", "hcw-pc-range").attr("x", -5).attr("width", 10)
            .attr("y", y(String(c))! - 5).attr("height", 10);
        }
      }
      const prior = steer?.priors[axis.name];
      if (prior && prior.value !== null) {
        const py = y(axis.kind === "categorical" ? String(prior.value) : prior.value);
        if (py !== undefined) {
          g.append("path").attr("class", "hcw-pc-prior").attr("d", `M-16,${py}l-7,-5v10z`)
            .append("title").text(`prior ${fmt(prior.value)} (${prior.confidence})`);
        }
      }
    }
  }

  private linePath(r: Row): string {
    let d = "";
    let pen = false;
    this.axes.forEach((axis, i) => {
      const v = r.params[i];
      const y = v === null || v === undefined ? undefined : this.scales.get(axis.name)!(axis.kind === "categorical" ? String(v) : v);
      if (y === undefined || !isFinite(y)) {
        pen = false;
        return;
      }
      d += `${pen ? "L" : "M"}${this.xs.get(axis.name)!.toFixed(1)},${y.toFixed(1)}`;
      pen = true;
    });
    if (pen && (r.state === "complete" || r.state === "failed")) {
      const y = r.state === "failed" || r.value === null ? this.top - 22 : this.scales.get(VALUE)!(r.value)!;
      d += `L${this.xs.get(VALUE)!.toFixed(1)},${y.toFixed(1)}`;
    }
    return d;
  }

  private drawLines(): void {
    // Colour by rank: one outlier would otherwise paint every good trial the same dark.
    const sign = this.direction === "minimize" ? 1 : -1;
    const done = [...this.rows.values()].filter((r) => r.state === "complete" && r.value !== null);
    const rank = scaleSequentialQuantile((t: number) => interpolateViridis(0.9 * t))
      .domain(done.map((r) => sign * (r.value as number)));
    const color = (v: number) => rank(sign * v);
    // Many lines: each fainter, so that where they bunch up still reads.
    const alpha = Math.max(0.15, Math.min(0.9, Math.sqrt(60 / Math.max(1, this.rows.size)))).toFixed(2);
    // Drawn worst first, so the best trials are on top.
    const rows = [...this.rows.values()].sort((a, b) => {
      const va = a.state === "complete" && a.value !== null ? -sign * a.value : -Infinity;
      const vb = b.state === "complete" && b.value !== null ? -sign * b.value : -Infinity;
      return va - vb;
    });
    // The failed slot's label only while there is a failed trial to sit there.
    const anyFailed = rows.some((r) => r.state === "failed" && r.review !== "rejected");
    select(this.svgEl).select(".hcw-pc-failed-label").attr("display", anyFailed ? null : "none");
    const frag = document.createDocumentFragment();
    for (const r of rows) {
      const p = document.createElementNS("http://www.w3.org/2000/svg", "path");
      let cls = "hcw-pc-line";
      let stroke: string | null = null; // the others are styled by their class
      if (r.review === "rejected") cls += " hcw-rejected";
      else if (r.state === "failed") cls += " hcw-failed";
      else if (r.state === "complete" && r.value !== null) stroke = color(r.value);
      else if (r.state === "pruned") cls += " hcw-pruned";
      else cls += " hcw-pending";
      if (!this.inside(r)) cls += " hcw-dim";
      p.setAttribute("class", cls);
      p.setAttribute("d", this.linePath(r));
      if (stroke) p.setAttribute("stroke", stroke);
      p.setAttribute("stroke-opacity", alpha);
      p.dataset.n = String(r.n);
      p.dataset.state = r.state;
      if (r.review) p.dataset.review = r.review;
      frag.append(p);
    }
    this.linesG.replaceChildren(frag);
    this.paintActions();
  }

  // -- brushing --------------------------------------------------------------------------------
  private onBrush(name: string, px: [number, number] | null): void {
    if (px === null) {
      this.selections.delete(name);
      if (this.active === name) this.active = [...this.selections.keys()].pop() ?? null;
    } else {
      const y = this.scales.get(name)!;
      const axis = this.axisOf(name);
      if (axis?.kind === "categorical") {
        this.selections.set(name, (axis.choices ?? []).filter((c) => {
          const p = y(String(c))!;
          return p >= px[0] && p <= px[1];
        }));
      } else {
        const a = y.invert!(px[1]);
        const b = y.invert!(px[0]);
        this.selections.set(name, [Math.min(a, b), Math.max(a, b)]);
      }
      this.active = name;
    }
    this.error.textContent = "";
    this.done.textContent = "";
    for (const p of this.linesG.children) {
      const r = this.rows.get(Number((p as SVGElement).dataset.n));
      if (r) p.classList.toggle("hcw-dim", !this.inside(r));
    }
    this.paintActions();
  }

  private inside(r: Row): boolean {
    for (const [name, sel] of this.selections) {
      if (name === VALUE) {
        const [lo, hi] = sel as number[];
        if (r.value === null || r.state !== "complete" || r.value < lo || r.value > hi) return false;
        continue;
      }
      const i = this.axes.findIndex((a) => a.name === name);
      const v = r.params[i];
      if (v === null || v === undefined) return false;
      if (this.axes[i].kind === "categorical") {
        if (!(sel as Scalar[]).map(String).includes(String(v))) return false;
      } else {
        const [lo, hi] = sel as number[];
        if (Number(v) < lo || Number(v) > hi) return false;
      }
    }
    return true;
  }

  private paintActions(): void {
    const total = this.rows.size;
    const brushed = this.selections.size > 0;
    this.count.textContent = brushed
      ? `${this.selected().length} of ${total} trials selected`
      : `${total} trials · drag along an axis to select`;
    const param = this.active !== null && this.active !== VALUE ? this.axisOf(this.active) : undefined;
    for (const a of ["narrow", "prior"]) {
      const b = this.buttons[a];
      b.disabled = this.busy || !param;
      b.title = param ? this.describe(param, a as "narrow" | "prior") : "brush a parameter's axis first";
    }
    this.buttons.clear.disabled = this.busy || !brushed;
  }

  private describe(axis: Axis, action: "narrow" | "prior"): string {
    try {
      const e = brushEdit(axis, this.selections.get(axis.name)!, action);
      if (e.op === "allow") return `allow ${axis.name} ∈ {${(e.args.choices as Scalar[]).join(", ")}}`;
      if (e.op === "prior") return `prior ${axis.name} ≈ ${fmt(e.args.value as Scalar)}`;
      return `narrow ${axis.name} to [${fmt(e.args.low as number)}, ${fmt(e.args.high as number)}]`;
    } catch (err) {
      return String((err as Error).message);
    }
  }

  private async act(action: string): Promise<void> {
    this.error.textContent = "";
    this.done.textContent = "";
    if (action === "clear") {
      for (const name of [...this.selections.keys()]) this.brush(name, null);
      return;
    }
    const name = this.active;
    const axis = name ? this.axisOf(name) : undefined;
    if (!axis || !name) return;
    let edit: Edit;
    try {
      edit = brushEdit(axis, this.selections.get(name)!, action as "narrow" | "prior");
    } catch (err) {
      this.error.textContent = (err as Error).message;
      return;
    }
    const said = this.describe(axis, action as "narrow" | "prior");
    this.busy = true;
    this.paintActions();
    const ack = await this.send(edit.op, edit.args);
    this.busy = false;
    if (ack.ok) {
      this.brush(name, null); // the new range (or prior) is drawn on the axis instead
      this.done.textContent = `done: ${said}`;
    } else {
      this.error.textContent = ack.error ?? "refused";
    }
    this.paintActions();
  }
}
