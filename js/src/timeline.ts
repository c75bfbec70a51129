// TimelineStrip view (twin of hcautoml_widgets/widgets/timeline.py): one mark per steering event
// on the cost curve's trial axis; clicking a mark asks the kernel for that event's effect.
//
// Selectors for browser tests:
//   .hcw-timeline                         root
//   .hcw-tl-mark[data-seq="3"]            a mark (data-kind: narrow, prior, ...; data-lane: its
//                                         row, 0 the top); .hcw-selected
//   .hcw-tl-details                       the clicked event's text (empty until a click)
import type { RenderProps } from "@anywidget/types";
import { Channel, ensureStyles, h, type Msg } from "./base";

/** [seq, x, kind, source, label], as the kernel sends it. */
export type Mark = [number, number, string, string, string];

// The cost curve's figure margins (cost_curve.py FIG_MARGIN, sent in the snapshot; these are
// the fallback): the strip's track spans the same pixels as the curve's plot area when both are
// as wide.
export const MARGIN = { left: 72, right: 16 };

// Where a kind of edit has a trial colour on the cost curve's legend (pinned cyan, prior green,
// enqueued purple), its mark takes that colour, so an enqueue is not read as a start-up trial.
export const COLORS: Record<string, string> = {
  narrow: "#1f77b4", reset: "#1f77b4", allow: "#1f77b4",
  pin: "#17becf", unpin: "#17becf",
  prior: "#2ca02c", clear_prior: "#2ca02c",
  accept: "#e377c2", reject: "#7f7f7f", unreview: "#7f7f7f",
  enqueue: "#9467bd", dequeue: "#9467bd", undo: "#d62728",
};

// Marks closer than GAP pixels would draw over each other (several edits between the same two
// trials share an x), hiding all but the top one from the pointer: such a mark moves down a
// lane, and the track grows to hold the lanes in use.
const GAP = 12;
const LANE_H = 16;
const MAX_LANES = 4;
// A track not laid out yet (hidden tab, tests) has no width: lanes are chosen as for this one.
const NOMINAL_WIDTH = 600;

const CSS = `
.hcw-timeline { font-size:12px; }
.hcw-tl-track { position:relative; height:${LANE_H + 6}px; margin:0 ${MARGIN.right}px 0 ${MARGIN.left}px;
  border-bottom:1px solid #ccc; }
.hcw-tl-mark { position:absolute; top:2px; transform:translateX(-50%); border:none; background:none;
  padding:0; cursor:pointer; font-size:14px; line-height:16px; }
.hcw-tl-mark.hcw-selected { outline:2px solid #333; border-radius:3px; }
.hcw-tl-details { white-space:pre-line; margin:4px 0 6px ${MARGIN.left}px; color:#333; }
.hcw-tl-details:empty { display:none; }
.hcw-tl-details.hcw-error { color:#b00020; }
`;

/**
 * The lane of each mark, given its position in percent of the track (in the order given): the
 * first lane whose last mark is at least `gap` pixels to the left, else a new lane up to
 * `maxLanes`. Positions are taken in ascending order, whatever order they come in.
 */
export function lanes(pcts: number[], width: number, gap = GAP, maxLanes = MAX_LANES): number[] {
  const px = pcts.map((p) => (p / 100) * (width > 0 ? width : NOMINAL_WIDTH));
  const order = px.map((_, i) => i).sort((a, b) => px[a] - px[b] || a - b);
  const ends: number[] = [];
  const counts: number[] = [];
  const out = new Array<number>(pcts.length).fill(0);
  for (const i of order) {
    let lane = ends.findIndex((end) => px[i] - end >= gap);
    if (lane < 0 && ends.length < maxLanes) lane = ends.length;
    if (lane < 0) {
      // Every lane is crowded here: the one whose last mark is furthest left, the least used
      // among equals, so a pile of marks at one x spreads over all the lanes.
      lane = 0;
      for (let k = 1; k < ends.length; k++) {
        if (ends[k] < ends[lane] || (ends[k] === ends[lane] && counts[k] < counts[lane])) lane = k;
      }
    }
    ends[lane] = px[i];
    counts[lane] = (counts[lane] ?? 0) + 1;
    out[i] = lane;
  }
  return out;
}

/** Where a mark sits along the track, in percent of its width (clamped to the track). */
export function position(x: number, domain: [number, number]): number {
  const [lo, hi] = domain;
  const pct = hi > lo ? ((x - lo) / (hi - lo)) * 100 : 0;
  return Math.min(100, Math.max(0, pct));
}

function render({ model, el }: RenderProps): () => void {
  ensureStyles(CSS, "hcw-timeline-styles");
  const track = h("div", { class: "hcw-tl-track" });
  const details = h("div", { class: "hcw-tl-details", role: "status" });
  const root = h("div", { class: "hcw-timeline" }, track, details);
  el.append(root);

  let domain: [number, number] = [-0.5, 10];
  const marks = new Map<number, { mark: Mark; el: HTMLButtonElement }>();
  let selected: number | null = null;

  // In the dashboard the strip sits under the cost curve, in one column (.hcw-curve-column):
  // measure the curve's plot area and span exactly its pixels, whatever padding the figure's
  // containers add to the margins the kernel sent.
  function align(): void {
    const bg = root.closest(".hcw-curve-column")?.querySelector(".hcw-cost-figure .plotarea_background");
    if (!bg) return;
    const area = bg.getBoundingClientRect();
    const own = root.getBoundingClientRect();
    if (area.width <= 0 || own.width <= 0) return;
    track.style.marginLeft = `${Math.max(0, area.left - own.left)}px`;
    track.style.marginRight = `${Math.max(0, own.right - area.right)}px`;
    details.style.marginLeft = track.style.marginLeft;
  }

  function place(): void {
    align();
    const all = [...marks.values()];
    const pcts = all.map(({ mark }) => position(mark[1], domain));
    const lane = lanes(pcts, track.clientWidth);
    all.forEach(({ el: b }, i) => {
      b.style.left = `${pcts[i]}%`;
      b.style.top = `${2 + lane[i] * LANE_H}px`;
      b.dataset.lane = String(lane[i]);
    });
    track.style.height = `${LANE_H + 6 + Math.max(0, ...lane) * LANE_H}px`;
  }
  const resize = typeof ResizeObserver !== "undefined" ? new ResizeObserver(() => place()) : null;
  resize?.observe(root);

  function add(mark: Mark): void {
    const [seq, , kind, , label] = mark;
    marks.get(seq)?.el.remove();
    const b = h("button", {
      class: "hcw-tl-mark", type: "button", "data-seq": String(seq), "data-kind": kind,
      title: label, "aria-label": label,
    }, "▼");
    b.style.color = COLORS[kind] ?? "#555";
    b.addEventListener("click", () => void open(seq));
    track.append(b);
    marks.set(seq, { mark, el: b });
  }

  async function open(seq: number): Promise<void> {
    selected = seq;
    for (const [s, { el: b }] of marks) b.classList.toggle("hcw-selected", s === seq);
    details.classList.remove("hcw-error");
    const ack = await channel.request("details", { seq });
    if (selected !== seq) return; // another mark was clicked meanwhile
    if (ack.ok) details.textContent = String(ack.result?.text ?? "");
    else {
      details.classList.add("hcw-error");
      details.textContent = ack.error ?? "no details";
    }
  }

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type === "snapshot") {
      for (const { el: b } of marks.values()) b.remove();
      marks.clear();
      const m = msg.margin as { left?: number; right?: number } | undefined;
      if (m && typeof m.left === "number" && typeof m.right === "number") {
        track.style.marginLeft = `${m.left}px`;
        track.style.marginRight = `${m.right}px`;
        details.style.marginLeft = `${m.left}px`;
      }
    } else if (msg.type !== "delta") return;
    if (Array.isArray(msg.domain)) domain = [msg.domain[0], msg.domain[1]];
    for (const m of (msg.marks ?? []) as Mark[]) add(m);
    place();
  });

  channel.snapshot();
  return () => {
    resize?.disconnect();
    channel.dispose();
    root.remove();
  };
}

export default { render };
