// The static charts of the Insights view (twin: hcautoml_widgets/insights/summary.py):
// importance bars with intervals, importance history, partial dependence small multiples and
// the pair's heat map. Each function redraws one chart from the summary the kernel sent; scales
// and axes come from d3 so that log axes and ticks tell the truth.
import { axisBottom, axisLeft, axisRight } from "d3-axis";
import { interpolateViridis, schemeTableau10 } from "d3-scale-chromatic";
import { scaleBand, scaleLinear, scaleLog, scalePoint, scaleSequential } from "d3-scale";
import { select } from "d3-selection";
import { fmt, type Scalar } from "./base";

export interface Axis {
  name: string;
  kind: string; // "float" | "int" | "categorical"
  log: boolean;
  low: number | null;
  high: number | null;
  choices: Scalar[] | null;
  range: [number, number] | null;
  allowed: Scalar[] | null;
  pin: Scalar;
  prior: Scalar;
}

export interface Share {
  name: string;
  share: number;
  low: number;
  high: number;
}

export interface Curve {
  x: Scalar[];
  mean: number[];
  std: number[];
}

export interface Pair {
  a: string;
  b: string;
  x: Scalar[];
  y: Scalar[];
  mean: number[][];
  std: number[][];
  strength: number;
}

export interface Summary {
  n: number;
  evaluator?: string;
  error?: string;
  importance?: Share[];
  pd?: Record<string, Curve>;
  pair?: Pair | null;
}

export interface HistoryPoint {
  n: number;
  shares: Record<string, number>;
}

/** The state the charts draw over a curve: current range / allowed choices, prior, pin. */
export interface Steer {
  ranges: Record<string, [number, number]>;
  allowed: Record<string, Scalar[]>;
  pins: Record<string, Scalar>;
  priors: Record<string, { value: Scalar; confidence: string }>;
}

const SVGNS = "http://www.w3.org/2000/svg";

function svg(parent: HTMLElement, cls: string, width: number, height: number): SVGSVGElement {
  const el = document.createElementNS(SVGNS, "svg") as SVGSVGElement;
  el.setAttribute("class", cls);
  el.setAttribute("width", String(width));
  el.setAttribute("height", String(height));
  el.setAttribute("viewBox", `0 0 ${width} ${height}`);
  parent.append(el);
  return el;
}

/** Numeric ticks labelled the way the rest of the widgets print numbers (30, 0.25, 1e-4), on a
 * log scale only at the decades and their halves, as d3's log tick format selects them. */
export function numericTicks<A extends { ticks(n: number): A; tickFormat(f: any): A; tickValues(v: any): A }>(
  ax: A, scale: any, count: number, log: boolean, integer = false,
): A {
  const label = (v: any) => fmt(Number(v), 3);
  if (log) return ax.ticks(count).tickFormat(scale.tickFormat(count, label));
  // An integer parameter takes no value between two integers: a tick at 2.5 would say it does.
  if (integer) return ax.tickValues(scale.ticks(count).filter(Number.isInteger)).tickFormat(label);
  return ax.ticks(count).tickFormat(label);
}

/** Objective colours: dark is better, whichever the direction (the palest tenth of viridis is
 * left out: it vanishes on white). */
export function objectiveColor(lo: number, hi: number, direction: string): (v: number) => string {
  return scaleSequential((t: number) => interpolateViridis(0.9 * t))
    .domain(direction === "minimize" ? [lo, hi] : [hi, lo]);
}

export function paramColor(names: string[], name: string): string {
  const i = names.indexOf(name);
  return schemeTableau10[(i < 0 ? 0 : i) % schemeTableau10.length];
}

// -- importance --------------------------------------------------------------------------------
export function drawImportance(
  box: HTMLElement, shares: Share[], title: string, width = 300, color = "#1f77b4",
): void {
  box.replaceChildren();
  const head = document.createElement("div");
  head.className = "hcw-ins-title";
  head.textContent = title;
  box.append(head);
  const rowH = 20;
  // Room for the longest name (about 6.5 px a character at 11 px).
  const left = Math.min(160, 12 + 6.5 * Math.max(4, ...shares.map((r) => r.name.length)));
  const right = 46;
  const height = shares.length * rowH + 26;
  const el = svg(box, "hcw-importance-svg", width, height);
  const x = scaleLinear().domain([0, 1]).range([left, width - right]);
  const g = select(el);
  g.append("g").attr("transform", `translate(0,${height - 22})`)
    .call(axisBottom(x).ticks(4, "~%"));
  shares.forEach((s, i) => {
    const y = 4 + i * rowH;
    const row = g.append("g").attr("class", "hcw-imp-row").attr("data-param", s.name)
      .attr("data-share", String(s.share));
    row.append("text").attr("x", left - 6).attr("y", y + 12).attr("text-anchor", "end")
      .attr("class", "hcw-imp-name").text(s.name);
    row.append("rect").attr("class", "hcw-imp-bar").attr("x", x(0)).attr("y", y + 2)
      .attr("width", Math.max(0, x(s.share) - x(0))).attr("height", rowH - 6).attr("fill", color);
    // The spread over refits: a whisker from the 10th to the 90th percentile.
    row.append("line").attr("class", "hcw-imp-interval").attr("x1", x(s.low)).attr("x2", x(s.high))
      .attr("y1", y + rowH / 2 - 1).attr("y2", y + rowH / 2 - 1);
    for (const v of [s.low, s.high]) {
      row.append("line").attr("class", "hcw-imp-interval").attr("x1", x(v)).attr("x2", x(v))
        .attr("y1", y + 4).attr("y2", y + rowH - 6);
    }
    row.append("text").attr("x", width - right + 4).attr("y", y + 12).attr("class", "hcw-imp-value")
      .text(`${(100 * s.share).toFixed(s.share < 0.1 ? 1 : 0)}%`);
  });
}

export function drawHistory(box: HTMLElement, history: HistoryPoint[], names: string[], width = 300): void {
  box.replaceChildren();
  const head = document.createElement("div");
  head.className = "hcw-ins-title";
  head.textContent = "importance as the run went on";
  box.append(head);
  const height = 150;
  const m = { l: 34, r: 8, t: 6, b: 22 };
  const el = svg(box, "hcw-history-svg", width, height);
  const g = select(el);
  if (history.length === 0) return;
  if (history.length === 1) {
    // One point has no "as it went on": an axis from n to n + 1 with dots at its edge said
    // nothing and looked broken. The shares themselves are in the importance chart.
    g.append("text").attr("class", "hcw-history-note").attr("x", width / 2).attr("y", height / 2)
      .attr("text-anchor", "middle")
      .text(`computed once so far, on ${history[0].n} trials;`);
    g.append("text").attr("class", "hcw-history-note").attr("x", width / 2).attr("y", height / 2 + 16)
      .attr("text-anchor", "middle").text("the lines start at the next computation");
    return;
  }
  const ns = history.map((p) => p.n);
  const x = scaleLinear().domain([Math.min(...ns), Math.max(Math.max(...ns), Math.min(...ns) + 1)])
    .range([m.l, width - m.r]);
  const y = scaleLinear().domain([0, 1]).range([height - m.b, m.t]);
  g.append("g").attr("transform", `translate(0,${height - m.b})`).call(axisBottom(x)
    .tickValues(x.ticks(4).filter((v) => Number.isInteger(v))).tickFormat((v) => String(v)));
  g.append("g").attr("transform", `translate(${m.l},0)`).call(axisLeft(y).ticks(4, "~%"));
  // The five parameters that matter most now get a colour; the others stay grey.
  const last = history[history.length - 1].shares;
  const top = Object.keys(last).sort((a, b) => last[b] - last[a]).slice(0, 5);
  for (const name of [...names].sort((a, b) => Number(top.includes(a)) - Number(top.includes(b)))) {
    const pts = history.filter((p) => p.shares[name] != null);
    if (!pts.length) continue;
    const d = pts.map((p, i) => `${i ? "L" : "M"}${x(p.n).toFixed(1)},${y(p.shares[name]).toFixed(1)}`).join("");
    const on = top.includes(name);
    g.append("path").attr("class", "hcw-history-line").attr("data-param", name).attr("d", d)
      .attr("fill", "none").attr("stroke", on ? paramColor(names, name) : "#ccc")
      .attr("stroke-width", on ? 2 : 1);
    if (pts.length === 1) {
      g.append("circle").attr("cx", x(pts[0].n)).attr("cy", y(pts[0].shares[name])).attr("r", 2.5)
        .attr("fill", on ? paramColor(names, name) : "#ccc");
    }
  }
  const legend = document.createElement("div");
  legend.className = "hcw-legend";
  for (const name of top) {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${paramColor(names, name)}"></i>`;
    item.append(name);
    legend.append(item);
  }
  box.append(legend);
}

// -- partial dependence ------------------------------------------------------------------------
export type XScale = ((v: any) => number | undefined) & { domain(): any[] };

export function xScaleFor(axis: Axis, lo: number, hi: number): XScale {
  if (axis.kind === "categorical") {
    return scalePoint<string>().domain((axis.choices ?? []).map(String)).range([lo, hi]).padding(0.5) as any;
  }
  const d: [number, number] = [Number(axis.low), Number(axis.high)];
  return (axis.log ? scaleLog().domain(d) : scaleLinear().domain(d)).range([lo, hi]) as any;
}

/** One small multiple: mean line and band (mean ± std), the sampled values as a rug, the current
 * range shaded when narrowed, the prior (green, dashed) and the pin (red). ``yDomain`` is shared
 * by all the small multiples so that a flat curve looks flat. */
export function drawDependence(
  box: HTMLElement, axis: Axis, curve: Curve, yDomain: [number, number], rug: Scalar[],
  steer: Steer | null, width = 210, height = 130,
): void {
  box.replaceChildren();
  box.dataset.param = axis.name;
  const m = { l: 40, r: 8, t: 16, b: 30 };
  const el = svg(box, "hcw-pd-svg", width, height);
  const g = select(el);
  const x = xScaleFor(axis, m.l, width - m.r);
  const y = scaleLinear().domain(yDomain).range([height - m.b, m.t]).nice();
  const cat = axis.kind === "categorical";
  const key = (v: Scalar) => (cat ? String(v) : Number(v));
  const range = steer?.ranges[axis.name];
  if (!cat && range && (range[0] > Number(axis.low) || range[1] < Number(axis.high))) {
    const x0 = x(range[0]) ?? m.l;
    const x1 = x(range[1]) ?? width - m.r;
    g.append("rect").attr("class", "hcw-pd-range").attr("x", x0).attr("width", Math.max(1, x1 - x0))
      .attr("y", m.t).attr("height", height - m.b - m.t);
  }
  const xs = curve.x.map((v) => x(key(v)) ?? 0);
  if (cat) {
    const allowed = steer?.allowed[axis.name]?.map(String);
    curve.x.forEach((v, i) => {
      const off = allowed && !allowed.includes(String(v));
      g.append("line").attr("class", "hcw-pd-band-bar").attr("x1", xs[i]).attr("x2", xs[i])
        .attr("y1", y(curve.mean[i] - curve.std[i])).attr("y2", y(curve.mean[i] + curve.std[i]));
      g.append("circle").attr("class", `hcw-pd-point${off ? " hcw-off" : ""}`).attr("cx", xs[i])
        .attr("cy", y(curve.mean[i])).attr("r", 3.5);
    });
  } else {
    const top = curve.mean.map((mu, i) => `${xs[i].toFixed(1)},${y(mu + curve.std[i]).toFixed(1)}`);
    const bottom = curve.mean.map((mu, i) => `${xs[i].toFixed(1)},${y(mu - curve.std[i]).toFixed(1)}`).reverse();
    g.append("path").attr("class", "hcw-pd-band").attr("d", `M${top.join("L")}L${bottom.join("L")}Z`);
    g.append("path").attr("class", "hcw-pd-mean").attr("fill", "none")
      .attr("d", "M" + curve.mean.map((mu, i) => `${xs[i].toFixed(1)},${y(mu).toFixed(1)}`).join("L"));
  }
  // The rug: one short tick per trial's value (a single path however many trials there are).
  let d = "";
  for (const v of rug) {
    if (v === null || v === undefined) continue;
    const px = x(key(v));
    if (px === undefined || !isFinite(px)) continue;
    d += `M${px.toFixed(1)},${height - m.b}v-5`;
  }
  g.append("path").attr("class", "hcw-pd-rug").attr("d", d);
  const prior = steer?.priors[axis.name];
  if (prior && prior.value !== null) {
    const px = x(key(prior.value));
    if (px !== undefined) {
      g.append("line").attr("class", "hcw-pd-prior").attr("x1", px).attr("x2", px)
        .attr("y1", m.t).attr("y2", height - m.b);
    }
  }
  const pin = steer?.pins[axis.name];
  if (pin !== undefined && pin !== null) {
    const px = x(key(pin));
    if (px !== undefined) {
      g.append("line").attr("class", "hcw-pd-pin").attr("x1", px).attr("x2", px)
        .attr("y1", m.t).attr("y2", height - m.b);
    }
  }
  const xAxis = cat ? axisBottom(x as any) : numericTicks(axisBottom(x as any), x, axis.log ? 3 : 4, axis.log, axis.kind === "int");
  g.append("g").attr("transform", `translate(0,${height - m.b})`).call(xAxis as any);
  g.append("g").attr("transform", `translate(${m.l},0)`).call(numericTicks(axisLeft(y), y, 3, false));
  g.append("text").attr("class", "hcw-pd-name").attr("x", m.l).attr("y", 11).text(
    axis.name + (axis.log ? " (log)" : ""));
}

/** The shared value axis of the small multiples: every band fits. */
export function dependenceDomain(pd: Record<string, Curve>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const c of Object.values(pd)) {
    c.mean.forEach((mu, i) => {
      lo = Math.min(lo, mu - c.std[i]);
      hi = Math.max(hi, mu + c.std[i]);
    });
  }
  if (!isFinite(lo)) return [0, 1];
  if (hi === lo) return [lo - 1, hi + 1];
  return [lo, hi];
}

// -- the pair's heat map -----------------------------------------------------------------------
/** A continuous scale over a numeric grid's cells (the grid is even on the parameter's own
 * scale, each value a cell's centre), for ticks at round values instead of at grid values
 * (8.1e-5, 0.0066 read as noise); null for a categorical or too short grid. */
function gridScale(values: Scalar[], axis: Axis | undefined, range: [number, number]): any {
  const v = values as number[];
  if (!axis || axis.kind === "categorical" || v.length < 2 || !v.every((x) => typeof x === "number" && isFinite(x))) return null;
  const n = v.length - 1;
  if (axis.log && v[0] <= 0) return null;
  // Only an evenly spaced grid lines up with a continuous scale: an integer grid is rounded and
  // de-duplicated, or linear on a log parameter, and keeps its own values as ticks. The kernel
  // sends values to 4 significant digits, so "even" is within 2 % of a step.
  const t = (x: number) => (axis.log ? Math.log(x) : x);
  const step = (t(v[n]) - t(v[0])) / n;
  if (!(step > 0) || v.some((x, i) => Math.abs(t(x) - t(v[0]) - i * step) > 0.02 * step)) return null;
  if (axis.log) {
    const half = Math.exp(step / 2);
    return scaleLog().domain([v[0] / half, v[n] * half]).range(range);
  }
  return scaleLinear().domain([v[0] - step / 2, v[n] + step / 2]).range(range);
}

export function drawPair(box: HTMLElement, pair: Pair, direction: string, axes: Axis[] = [], width = 300, metric = "value"): void {
  box.replaceChildren();
  const head = document.createElement("div");
  head.className = "hcw-ins-title";
  head.textContent = `${pair.a} × ${pair.b}: the pair that interacts most (colour: ${metric})`;
  box.append(head);
  const m = { l: 56, r: 60, t: 6, b: 34 };
  const size = width - m.l - m.r;
  const height = size + m.t + m.b;
  const el = svg(box, "hcw-pair-svg", width, height);
  el.dataset.a = pair.a;
  el.dataset.b = pair.b;
  const g = select(el);
  // Cells are equal steps of the grid, which is even on each parameter's own (log) scale.
  const xs = scaleBand<number>().domain(pair.x.map((_, i) => i)).range([m.l, m.l + size]);
  const ys = scaleBand<number>().domain(pair.y.map((_, i) => i)).range([m.t + size, m.t]);
  const flat = pair.mean.flat();
  const lo = Math.min(...flat);
  const hi = Math.max(...flat);
  const color = objectiveColor(lo, hi, direction);
  pair.mean.forEach((row, i) => row.forEach((v, j) => {
    g.append("rect").attr("class", "hcw-pair-cell").attr("x", xs(i)!).attr("y", ys(j)!)
      .attr("width", xs.bandwidth() + 0.5).attr("height", ys.bandwidth() + 0.5).attr("fill", color(v))
      .append("title").text(`${pair.a}=${fmt(pair.x[i])}, ${pair.b}=${fmt(pair.y[j])}: ${fmt(v)} ± ${fmt(pair.std[i][j])}`);
  }));
  const every = (n: number) => (i: number) => i % Math.max(1, Math.ceil(n / 4)) === 0 || i === n - 1;
  const axisOf = (name: string) => axes.find((a) => a.name === name);
  const cx = gridScale(pair.x, axisOf(pair.a), [m.l, m.l + size]);
  const cy = gridScale(pair.y, axisOf(pair.b), [m.t + size, m.t]);
  g.append("g").attr("class", "hcw-pair-x").attr("transform", `translate(0,${m.t + size})`).call(
    cx ? numericTicks(axisBottom(cx), cx, 4, !!axisOf(pair.a)?.log, axisOf(pair.a)?.kind === "int")
      : axisBottom(xs).tickValues(pair.x.map((_, i) => i).filter(every(pair.x.length)))
        .tickFormat((i) => fmt(pair.x[i as number], 2)));
  g.append("g").attr("class", "hcw-pair-y").attr("transform", `translate(${m.l},0)`).call(
    cy ? numericTicks(axisLeft(cy), cy, 4, !!axisOf(pair.b)?.log, axisOf(pair.b)?.kind === "int")
      : axisLeft(ys).tickValues(pair.y.map((_, i) => i).filter(every(pair.y.length)))
        .tickFormat((i) => fmt(pair.y[i as number], 2)));
  g.append("text").attr("x", m.l + size / 2).attr("y", height - 2).attr("text-anchor", "middle")
    .attr("class", "hcw-axis-label").text(pair.a);
  g.append("text").attr("transform", `translate(11,${m.t + size / 2}) rotate(-90)`)
    .attr("text-anchor", "middle").attr("class", "hcw-axis-label").text(pair.b);
  // Colour key.
  const k = scaleLinear().domain([lo, hi]).range([m.t + size, m.t]);
  const kx = m.l + size + 10;
  for (let i = 0; i < 24; i++) {
    const v0 = lo + ((hi - lo) * i) / 24;
    const v1 = lo + ((hi - lo) * (i + 1)) / 24;
    g.append("rect").attr("x", kx).attr("y", k(v1)).attr("width", 10)
      .attr("height", Math.max(0.5, k(v0) - k(v1)) + 0.5).attr("fill", color((v0 + v1) / 2));
  }
  g.append("g").attr("transform", `translate(${kx + 10},0)`).call(numericTicks(axisRight(k), k, 4, false));
}
