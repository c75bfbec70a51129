// TrialTable view (twin of hcautoml_widgets/widgets/trial_table.py).
//
// Selectors for browser tests:
//   .hcw-trial-table                        root
//   select.hcw-filter-state  (""|running|complete|failed|pruned)
//   select.hcw-filter-review (""|accepted|rejected|none)
//   .hcw-th[data-col="number"|"state"|"value"|"origin"|"review"|"version"|"duration"|"p:NAME"]
//       click to sort; data-sort="asc"|"desc" on the sorted column
//   .hcw-viewport (the scrolling box), .hcw-row-count ("123 of 456 trials")
//   .hcw-row[data-number="N"][data-state][data-review]   only visible rows are in the DOM;
//       cells .hcw-c-number, .hcw-c-state, .hcw-c-value, ... (click a cell to open the details)
//   .hcw-row button[data-action="accept"|"reject"|"undo"]  (undo = remove the review)
//   .hcw-details[data-number="N"] (hidden until a row is clicked): .hcw-config, .hcw-provenance,
//       pre.hcw-error-text, button[data-action="enqueue-copy"|"use-as-prior"|"close"]
//   .hcw-error (inline error of a refused action)
import type { RenderProps } from "@anywidget/types";
import { Channel, decodeRow, ensureStyles, fmt, frameScheduler, h, type Msg, type Row } from "./base";

export const ROW_HEIGHT = 24;
const OVERSCAN = 8;
const FIXED = ["number", "state", "value", "origin", "review", "version", "duration"] as const;

const CSS = `
.hcw-trial-table { font-size:12px; display:flex; flex-direction:column; gap:4px; }
.hcw-toolbar { display:flex; gap:8px; align-items:center; flex-wrap:wrap; }
.hcw-grid-row { display:grid; align-items:center; height:${ROW_HEIGHT}px; box-sizing:border-box;
  border-bottom:1px solid #f0f0f0; white-space:nowrap; }
.hcw-grid-row > * { overflow:hidden; text-overflow:ellipsis; padding:0 4px; }
.hcw-header { font-weight:600; background:#fafafa; }
.hcw-th { cursor:pointer; user-select:none; }
.hcw-th[data-sort=asc]::after { content:" ▲"; } .hcw-th[data-sort=desc]::after { content:" ▼"; }
.hcw-viewport { height:300px; overflow-y:auto; position:relative; }
.hcw-row { cursor:pointer; position:absolute; left:0; right:0; }
.hcw-row:hover { background:#f5f9ff; }
.hcw-row[data-review=rejected] { color:#999; text-decoration:line-through; }
.hcw-row[data-review=accepted] { background:#eefbea; }
.hcw-row[data-state=failed] .hcw-c-state { color:#d62728; }
.hcw-row button { padding:0 4px; font-size:11px; }
.hcw-details { border:1px solid #ddd; padding:6px; background:#fcfcfc; }
.hcw-details[hidden] { display:none; }
.hcw-details table { border-collapse:collapse; } .hcw-details td { padding:1px 6px; }
.hcw-error-text { color:#b00020; max-height:160px; overflow:auto; white-space:pre-wrap; }
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

function render({ model, el }: RenderProps): () => void {
  ensureStyles(CSS, "hcw-trial-table-styles");
  const rows = new Map<number, Row>();
  let names: string[] = [];
  let view: Row[] = [];
  let dirty = true;
  let sortCol: Key = "number";
  let sortDir: 1 | -1 = 1;
  let details: number | null = null;

  const stateSel = h("select", { class: "hcw-filter-state", title: "filter by state" });
  for (const v of ["", "running", "complete", "failed", "pruned"]) stateSel.append(h("option", { value: v }, v || "all states"));
  const reviewSel = h("select", { class: "hcw-filter-review", title: "filter by review" });
  for (const v of ["", "accepted", "rejected", "none"]) reviewSel.append(h("option", { value: v }, v || "all reviews"));
  const count = h("span", { class: "hcw-row-count" });
  const error = h("div", { class: "hcw-error", role: "alert" });
  const header = h("div", { class: "hcw-header hcw-grid-row" });
  const spacer = h("div", { class: "hcw-spacer" });
  const viewport = h("div", { class: "hcw-viewport" }, spacer);
  const panel = h("div", { class: "hcw-details" });
  panel.hidden = true;
  const root = h("div", { class: "hcw-trial-table" }, h("div", { class: "hcw-toolbar" }, stateSel, reviewSel, count), error, header, viewport, panel);
  el.append(root);

  const columns = (): Key[] => [...FIXED, ...names.map((n) => `p:${n}` as Key)];
  const template = () => `60px 70px 80px 70px 70px 50px 60px ${names.map(() => "minmax(60px,1fr)").join(" ")} 90px`;

  function buildHeader(): void {
    header.style.gridTemplateColumns = template();
    header.replaceChildren(
      ...columns().map((c) => {
        const th = h("div", { class: "hcw-th", "data-col": c }, c.startsWith("p:") ? c.slice(2) : c === "number" ? "#" : c);
        if (c === sortCol) th.dataset.sort = sortDir === 1 ? "asc" : "desc";
        th.addEventListener("click", () => {
          sortDir = sortCol === c ? ((-sortDir) as 1 | -1) : 1;
          sortCol = c;
          dirty = true;
          buildHeader();
          schedule();
        });
        return th;
      }),
      h("div", {}, ""),
    );
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
      return c || a[1].n - b[1].n;
    });
    view = keyed.map((k) => k[1]);
    dirty = false;
    return view;
  }

  function rowEl(r: Row, top: number): HTMLDivElement {
    const div = h("div", { class: "hcw-row hcw-grid-row", "data-number": String(r.n), "data-state": r.state, "data-review": r.review ?? "none" });
    div.style.gridTemplateColumns = template();
    div.style.top = `${top}px`;
    const vals = [String(r.n), r.state, fmt(r.value), r.origin, r.review ?? "", fmt(r.version), fmt(r.duration, 3)];
    // An empty cell would have no box to click or hover: show a dash instead.
    vals.forEach((v, i) => div.append(h("span", { class: `hcw-c-${FIXED[i]}`, title: v }, v || "–")));
    for (const v of r.params) div.append(h("span", { title: fmt(v, 8) }, fmt(v)));
    const act = h("span", { class: "hcw-actions" });
    for (const [a, label, title] of [["accept", "✓", "accept"], ["reject", "✗", "reject"], ["undo", "↺", "remove review"]]) {
      const b = h("button", { type: "button", "data-action": a, title }, label);
      b.disabled = a === "undo" ? r.review === null : r.review === (a === "accept" ? "accepted" : "rejected");
      if (r.state === "running" && a !== "undo") b.disabled = true;
      act.append(b);
    }
    div.append(act);
    return div;
  }

  // Only the rows in (and just around) the scrolled window exist in the DOM.
  function paint(): void {
    const list = visibleRows();
    spacer.style.height = `${list.length * ROW_HEIGHT}px`;
    count.textContent = `${list.length} of ${rows.size} trials`;
    const height = viewport.clientHeight || 300;
    const first = Math.max(0, Math.floor(viewport.scrollTop / ROW_HEIGHT) - OVERSCAN);
    const last = Math.min(list.length, Math.ceil((viewport.scrollTop + height) / ROW_HEIGHT) + OVERSCAN);
    const out: HTMLElement[] = [];
    for (let i = first; i < last; i++) out.push(rowEl(list[i], i * ROW_HEIGHT));
    spacer.replaceChildren(...out);
  }
  const schedule = frameScheduler(paint);

  async function review(n: number, action: string): Promise<void> {
    const op = action === "undo" ? "unreview" : action;
    const ack = await channel.request("edit", { op, args: { trial: n } });
    error.textContent = ack.ok ? "" : (ack.error ?? "refused");
  }

  async function openDetails(n: number): Promise<void> {
    details = n;
    const ack = await channel.request("details", { n });
    if (details !== n) return;
    if (!ack.ok) {
      error.textContent = ack.error ?? "no details";
      return;
    }
    showDetails(ack.result);
  }

  function showDetails(rec: any): void {
    panel.hidden = false;
    panel.dataset.number = String(rec.number);
    const cfg = h("table", { class: "hcw-config" });
    for (const [k, v] of Object.entries(rec.params ?? {})) cfg.append(h("tr", {}, h("td", {}, k), h("td", {}, String(v))));
    const prov = h("div", { class: "hcw-provenance" },
      h("div", {}, `origin: ${rec.origin}; steering version ${rec.version ?? 0}; state ${rec.state}; value ${fmt(rec.value, 8)}`));
    if (rec.steering_event) {
      const ev = rec.steering_event;
      prov.append(h("div", {}, `last edit before it: #${ev.seq} ${ev.kind} ${JSON.stringify(ev.payload)} (${ev.source})`));
    }
    if (rec.score) {
      prov.append(h("div", {}, "why chosen: " + Object.entries(rec.score).map(([k, v]) => `${k}=${fmt(v as number)}`).join(", ")));
    }
    if (rec.enqueued !== undefined && rec.enqueued !== null) prov.append(h("div", {}, `enqueued by event #${rec.enqueued}`));
    const parts: Node[] = [h("strong", {}, `Trial ${rec.number}`), cfg, prov];
    if (rec.error) parts.push(h("pre", { class: "hcw-error-text" }, rec.error));
    const buttons = h("div", {});
    for (const [a, label] of [["enqueue-copy", "enqueue a copy"], ["use-as-prior", "use as prior"], ["close", "close"]]) {
      const b = h("button", { type: "button", "data-action": a }, label);
      b.addEventListener("click", async () => {
        if (a === "close") {
          panel.hidden = true;
          details = null;
          return;
        }
        const ack = await channel.request("action", { op: a.replace(/-/g, "_"), n: rec.number });
        error.textContent = ack.ok ? "" : (ack.error ?? "refused");
      });
      buttons.append(b);
    }
    parts.push(buttons);
    panel.replaceChildren(...parts);
  }

  spacer.addEventListener("click", (e) => {
    const target = e.target as HTMLElement;
    const rowDiv = target.closest<HTMLElement>(".hcw-row");
    if (!rowDiv) return;
    const n = Number(rowDiv.dataset.number);
    const action = target.closest<HTMLElement>("button")?.dataset.action;
    if (action) void review(n, action);
    else void openDetails(n);
  });
  viewport.addEventListener("scroll", schedule);
  for (const sel of [stateSel, reviewSel]) sel.addEventListener("change", () => { dirty = true; schedule(); });

  const channel = new Channel(model, (msg: Msg) => {
    if (msg.type === "snapshot") {
      rows.clear();
      names = msg.names;
      buildHeader();
    }
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
    channel.dispose();
    root.remove();
  };
}

export default { render };
