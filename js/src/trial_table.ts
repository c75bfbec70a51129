// TrialTable view (twin of hcautoml_widgets/widgets/trial_table.py); the details panel and the
// queue line are in trial_details.ts.
//
// Selectors for browser tests:
//   .hcw-trial-table                        root
//   select.hcw-filter-state  (""|running|complete|failed|pruned)
//   select.hcw-filter-review (""|accepted|rejected|none)
//   input.hcw-follow[type=checkbox]         follow live: stay on the newest trial (sort by #)
//   .hcw-th[data-col="number"|"state"|"value"|"origin"|"review"|"version"|"duration"|"p:NAME"]
//       click to sort (newest first to begin with); data-sort="asc"|"desc" on the sorted column
//   .hcw-viewport (the scrolling box), .hcw-row-count ("123 of 456 trials")
//   .hcw-row[data-number="N"][data-state][data-review][aria-selected]   only rows in (and just
//       around) the scrolled window are in the DOM (virtualised by @tanstack/virtual-core);
//       cells .hcw-c-number, .hcw-c-state, .hcw-c-value, ... (click a row to select it and
//       open its details); .hcw-row.hcw-selected is the selected trial (synced as `selected`)
//   .hcw-row button[data-action="accept"|"reject"|"undo"]  (undo = remove the review)
//   .hcw-details[data-number="N"] (hidden until a row is clicked): .hcw-config (td.hcw-val
//       holds the value rounded, data-full in full), .hcw-provenance, pre.hcw-error-text,
//       button[data-action="enqueue-copy"|"use-as-prior"|"copy"|"close"]
//   .hcw-queue (hidden when empty): li[data-id] per queued configuration,
//       button[data-action="clear-queue"]
//   .hcw-notice (what an action did), .hcw-error (inline error of a refused action),
//   .hcw-details .hcw-action-note (the kernel's note on an action, beside its buttons)
import type { RenderProps } from "@anywidget/types";
import { Virtualizer, elementScroll, observeElementOffset, observeElementRect } from "@tanstack/virtual-core";
import { Channel, decodeRow, ensureStyles, fmt, frameScheduler, h, type Msg, type Row } from "./base";
import { fullPrecisionCopy, renderDetails, renderQueue, type Act, type QueueItem } from "./trial_details";

export const ROW_HEIGHT = 24;
/** How long what an action did stays on screen. */
export const NOTICE_MS = 8000;
const OVERSCAN = 8;
const VIEWPORT_H = 300;
const FIXED = ["number", "state", "value", "origin", "review", "version", "duration"] as const;
const HEAD: Record<(typeof FIXED)[number], [string, string, number]> = {
  // label, title, width (px): wide enough for the label and the sort arrow
  number: ["#", "trial number", 56],
  state: ["state", "running, complete, failed or pruned", 76],
  value: ["value", "the objective's value", 96],
  origin: ["origin", "where the configuration came from: startup, model, prior, enqueued, pinned", 76],
  review: ["review", "accepted or rejected by you", 70],
  version: ["version", "steering version the trial started under (0: before any edit)", 74],
  duration: ["duration (s)", "seconds the objective took", 100],
};

const CSS = `
.hcw-trial-table { font-size:12px; display:flex; flex-direction:column; gap:4px; min-width:0; }
.hcw-toolbar { display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
.hcw-table-scroll { overflow-x:auto; }
.hcw-grid-row { display:grid; align-items:center; height:${ROW_HEIGHT}px; box-sizing:border-box;
  border-bottom:1px solid #f0f0f0; white-space:nowrap; }
.hcw-grid-row > * { overflow:hidden; text-overflow:ellipsis; padding:0 4px; }
.hcw-header { font-weight:600; background:#fafafa; }
.hcw-th { cursor:pointer; user-select:none; }
.hcw-th[data-sort=asc]::after { content:" ▲"; } .hcw-th[data-sort=desc]::after { content:" ▼"; }
.hcw-viewport { height:${VIEWPORT_H}px; overflow-y:auto; overflow-x:hidden; position:relative; }
.hcw-spacer { position:relative; }
.hcw-row { cursor:pointer; position:absolute; left:0; right:0; top:0; }
.hcw-row:hover { background:#f5f9ff; }
.hcw-row[data-review=rejected] { color:#999; text-decoration:line-through; }
.hcw-row[data-review=accepted] { background:#eefbea; }
.hcw-row.hcw-selected { background:#fff4c2; box-shadow:inset 3px 0 0 #e6a700; }
.hcw-row[data-state=failed] .hcw-c-state { color:#d62728; }
.hcw-grid-row .hcw-num-cell { text-align:right; font-variant-numeric:tabular-nums; }
.hcw-row button { padding:0 4px; font-size:11px; }
.hcw-details { border:1px solid #ddd; padding:6px; background:#fcfcfc; }
.hcw-details[hidden], .hcw-queue[hidden] { display:none; }
.hcw-details table { border-collapse:collapse; } .hcw-details td { padding:1px 6px; }
.hcw-details .hcw-val { font-variant-numeric:tabular-nums; }
.hcw-detail-actions { display:flex; gap:6px; margin-top:4px; flex-wrap:wrap; }
.hcw-queue { display:flex; gap:8px; align-items:baseline; flex-wrap:wrap; background:#f6f1fb;
  border:1px solid #d9c8ec; padding:3px 6px; }
.hcw-queue-list { margin:0; padding-left:18px; }
.hcw-error-text { color:#b00020; max-height:160px; overflow:auto; white-space:pre-wrap; }
.hcw-notice { color:#236b23; } .hcw-notice:empty { display:none; }
.hcw-action-note { color:#7a5a00; margin-top:4px; } .hcw-action-note:empty { display:none; }
.hcw-trial-table .hcw-error { color:#b00020; } .hcw-trial-table .hcw-error:empty { display:none; }
`;

type Key = (typeof FIXED)[number] | `p:${string}`;

/** Sort key of a row for a column; nulls sort last whichever the direction. */
export function cell(row: Row, col: Key, names: string[]): string | number | null {
  if (col.startsWith("p:")) {
    const v = row.params[names.indexOf(col.slice(2))];
    return typeof v === "boolean" ? String(v) : (v ?? null);
  }
  const v = (row as unknown as Record<string, unknown>)[col === "number" ? "n" : col];
  return (v as string | number | null) ?? null;
}

export function compare(a: string | number | null, b: string | number | null): number {
  if (a === null) return b === null ? 0 : 1;
  if (b === null) return -1;
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a).localeCompare(String(b));
}

interface Model {
  selected: number | null;
}

function render({ model, el }: RenderProps<Model>): () => void {
  ensureStyles(CSS, "hcw-trial-table-styles");
  const rows = new Map<number, Row>();
  let names: string[] = [];
  let metric = "value";
  let view: Row[] = [];
  let dirty = true;
  let sortCol: Key = "number";
  let sortDir: 1 | -1 = -1; // newest first
  let details: number | null = null;
  let loading = false;
  let selfSet = false; // our own model.set echoes as a change event: not a kernel selection
  let template = "";
  // What is in the DOM: trial -> [the Row object it shows, its element]. A row whose data did
  // not change keeps its element (only its offset moves).
  const rendered = new Map<number, [Row, HTMLDivElement]>();

  const stateSel = h("select", { class: "hcw-filter-state", title: "filter by state", "aria-label": "filter by state" });
  for (const v of ["", "running", "complete", "failed", "pruned"]) stateSel.append(h("option", { value: v }, v || "all states"));
  const reviewSel = h("select", { class: "hcw-filter-review", title: "filter by review", "aria-label": "filter by review" });
  for (const v of ["", "accepted", "rejected", "none"]) reviewSel.append(h("option", { value: v }, v || "all reviews"));
  const follow = h("input", { class: "hcw-follow", type: "checkbox", "aria-label": "follow the newest trial" });
  follow.checked = true;
  const count = h("span", { class: "hcw-row-count" });
  const notice = h("div", { class: "hcw-notice", role: "status" });
  const error = h("div", { class: "hcw-error", role: "alert" });
  const queueBox = h("div", { class: "hcw-queue" });
  queueBox.hidden = true;
  const header = h("div", { class: "hcw-header hcw-grid-row", role: "row" });
  const spacer = h("div", { class: "hcw-spacer", role: "rowgroup" });
  const viewport = h("div", { class: "hcw-viewport" }, spacer);
  const panel = h("div", { class: "hcw-details" });
  panel.hidden = true;
  const table = h("div", { class: "hcw-table-scroll", role: "table", "aria-label": "trials" }, header, viewport);
  const root = h("div", { class: "hcw-trial-table" },
    h("div", { class: "hcw-toolbar" }, stateSel, reviewSel, h("label", { title: "stay on the newest trial while the run goes (sorted by #)" }, follow, " follow live"), count),
    queueBox, notice, error, table, panel);
  el.append(root);
  panel.addEventListener("copy", fullPrecisionCopy(panel));

  const options = {
    count: 0,
    getScrollElement: () => viewport,
    estimateSize: () => ROW_HEIGHT,
    overscan: OVERSCAN,
    scrollToFn: elementScroll,
    // A box not laid out yet (a hidden output, a test without layout) measures 0: draw a
    // window's worth of rows anyway; the ResizeObserver brings the real size.
    observeElementRect: (instance: Virtualizer<HTMLDivElement, HTMLDivElement>, cb: (rect: { width: number; height: number }) => void) =>
      observeElementRect(instance, (rect) => cb(rect.height > 0 ? rect : { width: rect.width, height: VIEWPORT_H })),
    observeElementOffset,
    initialRect: { width: 0, height: VIEWPORT_H },
    onChange: () => schedule(),
  };
  const virt = new Virtualizer<HTMLDivElement, HTMLDivElement>(options);
  const unmount = virt._didMount();

  const columns = (): Key[] => [...FIXED, ...names.map((n) => `p:${n}` as Key)];
  const makeTemplate = () => {
    const fixed = FIXED.map((c) => (c === "value" ? Math.max(HEAD.value[2], metric.length * 7 + 30) : HEAD[c][2]));
    const params = names.map((n) => `minmax(${Math.max(72, n.length * 7 + 28)}px,1fr)`);
    return [...fixed.map((w) => `${w}px`), ...params, "84px"].join(" ");
  };

  function buildHeader(): void {
    template = makeTemplate();
    header.style.gridTemplateColumns = template;
    const total = template.split(" ").reduce((s, w) => s + (parseInt(w.replace("minmax(", ""), 10) || 0), 0);
    // Narrower than its columns, the table scrolls sideways as a whole (header and rows).
    header.style.minWidth = viewport.style.minWidth = spacer.style.minWidth = `${total}px`;
    header.replaceChildren(
      ...columns().map((c) => {
        const [label, title] = c.startsWith("p:") ? [c.slice(2), `hyperparameter ${c.slice(2)}`] : c === "value" ? [metric, `the objective's value (${metric})`] : HEAD[c as (typeof FIXED)[number]];
        const numeric = c === "number" || c === "value" || c === "version" || c === "duration";
        const th = h("div", { class: `hcw-th${numeric ? " hcw-num-cell" : ""}`, "data-col": c, role: "columnheader", title: `${title}; click to sort` }, label);
        if (c === sortCol) th.dataset.sort = sortDir === 1 ? "asc" : "desc";
        th.addEventListener("click", () => {
          sortDir = sortCol === c ? ((-sortDir) as 1 | -1) : c === "number" ? -1 : 1;
          sortCol = c;
          dirty = true;
          follow.disabled = sortCol !== "number";
          buildHeader();
          schedule();
        });
        return th;
      }),
      h("div", {}, ""),
    );
    rendered.forEach(([, div]) => div.remove());
    rendered.clear();
  }

  function visibleRows(): Row[] {
    if (!dirty) return view;
    const st = stateSel.value;
    const rv = reviewSel.value;
    view = [...rows.values()].filter(
      (r) => (!st || r.state === st) && (!rv || (rv === "none" ? r.review === null : r.review === rv)),
    );
    const keyed = view.map((r) => [cell(r, sortCol, names), r] as const);
    keyed.sort((a, b) => {
      const c = a[0] === null || b[0] === null ? compare(a[0], b[0]) : sortDir * compare(a[0], b[0]);
      return c || sortDir * (a[1].n - b[1].n);
    });
    view = keyed.map((k) => k[1]);
    dirty = false;
    return view;
  }

  function rowEl(r: Row): HTMLDivElement {
    const div = h("div", { class: "hcw-row hcw-grid-row", role: "row", "data-number": String(r.n), "data-state": r.state, "data-review": r.review ?? "none" });
    div.style.gridTemplateColumns = template;
    const vals = [String(r.n), r.state, fmt(r.value), r.origin, r.review ?? "", fmt(r.version), fmt(r.duration, 3)];
    // An empty cell would have no box to click or hover: show a dash instead.
    vals.forEach((v, i) => {
      const numeric = i === 0 || i === 2 || i >= 5;
      div.append(h("span", { class: `hcw-c-${FIXED[i]}${numeric ? " hcw-num-cell" : ""}`, title: i === 2 ? String(r.value ?? "") : v }, v || "–"));
    });
    for (const v of r.params) div.append(h("span", { title: String(v ?? "") }, fmt(v) || "–"));
    const act = h("span", { class: "hcw-actions" });
    for (const [a, label, title] of [["accept", "✓", "accept"], ["reject", "✗", "reject"], ["undo", "↺", "remove review"]]) {
      const b = h("button", { type: "button", "data-action": a, title: `${title} trial ${r.n}`, "aria-label": `${title} trial ${r.n}` }, label);
      b.disabled = a === "undo" ? r.review === null : r.review === (a === "accept" ? "accepted" : "rejected");
      if (r.state === "running" && a !== "undo") b.disabled = true;
      act.append(b);
    }
    div.append(act);
    return div;
  }

  /** Scroll the window; tell the virtualiser at once rather than when the browser's scroll
   * event comes (a frame later, or never without layout). */
  const scrollTo = (top: number) => {
    if (viewport.scrollTop === top) return;
    viewport.scrollTop = top;
    viewport.dispatchEvent(new Event("scroll"));
  };
  const atNewest = () => (sortDir === -1 ? viewport.scrollTop < ROW_HEIGHT : viewport.scrollTop + viewport.clientHeight >= viewport.scrollHeight - ROW_HEIGHT);

  function paint(): void {
    const wasDirty = dirty;
    // Anchor: the first row in the window stays where it is when rows come in above it.
    const firstItem = virt.getVirtualItems().find((it) => it.end > viewport.scrollTop);
    const anchor = firstItem ? view[firstItem.index] : undefined;
    const list = visibleRows();
    if (wasDirty) {
      virt.setOptions({ ...options, count: list.length, getItemKey: (i: number) => list[i]?.n ?? i });
      virt._willUpdate();
      if (sortCol === "number" && follow.checked) {
        scrollTo(sortDir === -1 ? 0 : list.length * ROW_HEIGHT);
      } else if (anchor && firstItem && viewport.scrollTop > 0) {
        const idx = list.indexOf(anchor);
        if (idx >= 0 && idx !== firstItem.index) scrollTo(viewport.scrollTop + (idx - firstItem.index) * ROW_HEIGHT);
      }
    }
    spacer.style.height = `${virt.getTotalSize()}px`;
    // A short table takes the room of its rows, not the whole window's.
    viewport.style.height = `${Math.max(3, Math.min(list.length, VIEWPORT_H / ROW_HEIGHT)) * ROW_HEIGHT}px`;
    count.textContent = `${list.length} of ${rows.size} trials`;
    const keep = new Set<number>();
    const selected = model.get("selected");
    for (const item of virt.getVirtualItems()) {
      const r = list[item.index];
      if (!r) continue;
      keep.add(r.n);
      let entry = rendered.get(r.n);
      if (!entry || entry[0] !== r) {
        const div = rowEl(r);
        if (entry) entry[1].replaceWith(div);
        else spacer.append(div);
        entry = [r, div];
        rendered.set(r.n, entry);
      }
      const div = entry[1];
      const top = `translateY(${item.start}px)`;
      if (div.style.transform !== top) div.style.transform = top;
      div.classList.toggle("hcw-selected", r.n === selected);
      div.setAttribute("aria-selected", String(r.n === selected));
    }
    for (const [n, [, div]] of rendered) {
      if (!keep.has(n)) {
        div.remove();
        rendered.delete(n);
      }
    }
    // Keep the DOM in the order shown (screen readers, tests); moving nodes rebuilds nothing.
    const order = virt.getVirtualItems().map((it) => rendered.get(list[it.index]?.n)?.[1]).filter((d): d is HTMLDivElement => !!d);
    if (order.some((d, i) => spacer.children[i] !== d)) spacer.append(...order);
  }
  const schedule = frameScheduler(paint);

  // What an action did is news for a moment ("…: it runs next" is false once it has run): it
  // fades after NOTICE_MS. An error stays until the next action, and so does a notice the
  // person must act on (a configuration shown to copy by hand).
  let fade: ReturnType<typeof setTimeout> | null = null;
  const say = (text: string, ok: boolean, keep = false) => {
    if (fade !== null) clearTimeout(fade);
    fade = null;
    notice.textContent = ok ? text : "";
    error.textContent = ok ? "" : text;
    if (ok && !keep) fade = setTimeout(() => { fade = null; notice.textContent = ""; }, NOTICE_MS);
  };

  async function review(n: number, action: string): Promise<void> {
    const ack = await channel.edit(action === "undo" ? "unreview" : action === "accept" ? "accept" : "reject", { trial: n });
    error.textContent = ack.ok ? "" : (ack.error ?? "refused");
  }

  const act: Act = (op, n) => channel.request("action", n === undefined ? { op } : { op, n });

  async function openDetails(n: number): Promise<void> {
    details = n;
    loading = true;
    const ack = await channel.request("details", { n });
    loading = false;
    if (details !== n) return;
    if (!ack.ok) {
      error.textContent = ack.error ?? "no details";
      return;
    }
    renderDetails(panel, ack.result, metric, act, say, () => {
      panel.hidden = true;
      details = null;
    });
  }

  /** Select a trial: highlight and show its row, open its details, tell the kernel. */
  function select(n: number, fromKernel: boolean): void {
    if (!fromKernel && model.get("selected") !== n) {
      selfSet = true;
      model.set("selected", n);
      model.save_changes();
      selfSet = false;
    }
    const idx = visibleRows().findIndex((r) => r.n === n);
    if (fromKernel && idx >= 0) {
      if (sortCol === "number") follow.checked = false;
      // Rows are of one height: the offset is exact (and needs no smooth-scroll support).
      const height = viewport.clientHeight || VIEWPORT_H;
      scrollTo(Math.max(0, idx * ROW_HEIGHT - height / 2 + ROW_HEIGHT / 2));
    }
    if (details !== n || (panel.hidden && !loading)) void openDetails(n);
    schedule();
  }
  const onSelected = () => {
    if (selfSet) return;
    const n = model.get("selected");
    if (typeof n === "number") select(n, true);
    else schedule();
  };
  model.on("change:selected", onSelected);

  spacer.addEventListener("click", (e) => {
    const target = e.target as HTMLElement;
    const rowDiv = target.closest<HTMLElement>(".hcw-row");
    if (!rowDiv) return;
    const n = Number(rowDiv.dataset.number);
    const action = target.closest<HTMLElement>("button")?.dataset.action;
    if (action) void review(n, action);
    else select(n, false);
  });
  viewport.addEventListener("scroll", () => {
    // Scrolling away from the newest trial stops following; coming back resumes it.
    if (sortCol === "number") follow.checked = atNewest();
  });
  follow.addEventListener("change", () => {
    dirty = true;
    schedule();
  });
  for (const sel of [stateSel, reviewSel]) sel.addEventListener("change", () => { dirty = true; schedule(); });

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type === "snapshot") {
      rows.clear();
      names = msg.names;
      metric = msg.metric ?? "value";
      buildHeader();
    }
    if (msg.queue) renderQueue(queueBox, msg.queue as QueueItem[], act, say);
    if (!msg.rows) return;
    for (const a of msg.rows as any[][]) {
      const old = rows.get(a[0]);
      const r = decodeRow(a, old);
      // A stale "running" row must never hide the finished one already shown.
      if (old && old.state !== "running" && r.state === "running") continue;
      rows.set(r.n, r);
    }
    dirty = true;
    schedule();
  });
  channel.snapshot();
  return () => {
    if (fade !== null) clearTimeout(fade);
    unmount();
    model.off("change:selected", onSelected);
    channel.dispose();
    root.remove();
  };
}

export default { render };
