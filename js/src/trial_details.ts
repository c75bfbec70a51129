// The trial table's details panel and its queue line (see trial_table.ts for the selectors).
// Numbers are rounded for reading; copying from the panel copies them at full precision.
// The panel opens with .hcw-why (.hcw-why-title "Why this trial", .hcw-why-text: the kernel's
// explanation, hcautoml_widgets/insights/explain.py).
import { ensureStyles, fmt, h } from "./base";

const WHY_CSS = `
.hcw-why { border-left:3px solid #1f77b4; background:#f0f6ff; padding:4px 8px; margin:4px 0 6px; }
.hcw-why-title { font-weight:600; color:#1f77b4; font-size:11px; text-transform:uppercase; letter-spacing:.04em; }
.hcw-why-text { margin:2px 0 0; line-height:1.4; white-space:pre-wrap; }
`;

export type Act = (op: "enqueue_copy" | "use_as_prior" | "clear_queue", n?: number) => Promise<{ ok: boolean; error: string | null; result?: any }>;

export interface QueueItem {
  id: number;
  config: Record<string, unknown>;
}

function short(v: unknown): string {
  if (typeof v === "number" || typeof v === "string" || typeof v === "boolean") return fmt(v);
  if (v && typeof v === "object" && !Array.isArray(v)) {
    return `{${Object.entries(v).map(([k, x]) => `${k}=${short(x)}`).join(", ")}}`;
  }
  return JSON.stringify(v);
}

const configText = (cfg: Record<string, unknown>) => Object.entries(cfg).map(([k, v]) => `${k}=${short(v)}`).join(", ");

/** A cell showing ``v`` rounded, holding it in full for copying. */
function num(v: unknown): HTMLElement {
  const full = typeof v === "string" ? v : JSON.stringify(v);
  return h("td", { class: "hcw-val", "data-full": full, title: full }, short(v));
}

/** Copy from the panel: every rounded value in the selection goes out at full precision. */
export function fullPrecisionCopy(panel: HTMLElement): (e: ClipboardEvent) => void {
  return (e) => {
    const sel = document.getSelection();
    if (!sel || sel.isCollapsed || !e.clipboardData) return;
    const rows = [...panel.querySelectorAll<HTMLTableRowElement>(".hcw-config tr")].filter((tr) => sel.containsNode(tr, true));
    if (!rows.length) return;
    const text = rows.map((tr) => {
      const cells = [...tr.cells].map((c) => c.dataset.full ?? c.textContent ?? "");
      return cells.join("\t");
    }).join("\n");
    e.clipboardData.setData("text/plain", text);
    e.preventDefault();
  };
}

// The score's parts in the order the acquisition adds them; a term of 0 (nothing of that kind
// steered the choice) is left out. Their pulls are in the "why this trial" text above.
const SCORE_PARTS: [string, string][] = [
  ["acquisition", "acquisition"], ["log_l", "log l(x)"], ["log_g", "log g(x)"],
  ["prior_term", "prior term"], ["accepted_term", "accepted-trials term"],
  ["incumbent_term", "refinement term"],
];

/** The winning candidate's score as two short lines: its parts, then what the model alone would
 * have picked. One line of every key (the counterfactual printed as a dict inside it) ran to
 * several hundred characters. */
function scoreLines(score: Record<string, any>): HTMLElement[] {
  const parts = SCORE_PARTS.filter(([k]) => typeof score[k] === "number" && (score[k] !== 0 || !k.endsWith("_term")))
    .map(([k, label]) => `${label} ${fmt(score[k], 3)}`);
  const lines = [h("div", { class: "hcw-score" }, "score: " + parts.join(" · "))];
  const cf = score.counterfactual;
  if (cf && typeof cf === "object") {
    const of = typeof score.n_candidates === "number" ? ` (of ${score.n_candidates} candidates)` : "";
    lines.push(h("div", { class: "hcw-counterfactual", title: JSON.stringify(cf) },
      `the model alone would have picked: ${configText(cf)}${of}`));
  }
  return lines;
}

export function renderDetails(panel: HTMLElement, rec: any, metric: string, act: Act, notice: (text: string, ok: boolean, keep?: boolean) => void, close: () => void): void {
  panel.hidden = false;
  panel.dataset.number = String(rec.number);
  const cfg = h("table", { class: "hcw-config" });
  for (const [k, v] of Object.entries(rec.params ?? {})) cfg.append(h("tr", {}, h("td", { class: "hcw-key" }, k), num(v)));
  const duration = typeof rec.duration === "number" ? `; ${fmt(rec.duration, 3)} s` : "";
  const prov = h("div", { class: "hcw-provenance" },
    h("div", {}, `${metric} ${rec.value === null || rec.value === undefined ? "–" : fmt(rec.value)}; state ${rec.state}${duration}; origin ${rec.origin}; steering version ${rec.version ?? 0}`));
  if (rec.steering_event) {
    const ev = rec.steering_event;
    const payload = Object.entries(ev.payload ?? {}).map(([k, v]) => `${k}=${short(v)}`).join(", ");
    prov.append(h("div", {}, `last edit before it: #${ev.seq} ${ev.kind} ${payload} (${ev.source})`));
  }
  if (rec.score) prov.append(...scoreLines(rec.score));
  if (rec.enqueued !== undefined && rec.enqueued !== null) prov.append(h("div", {}, `enqueued by event #${rec.enqueued}`));
  const parts: Node[] = [h("strong", {}, `Trial ${rec.number}`)];
  const why = rec.explanation?.text;
  if (typeof why === "string" && why) {
    ensureStyles(WHY_CSS, "hcw-why-styles");
    parts.push(h("div", { class: "hcw-why" }, h("div", { class: "hcw-why-title" }, "Why this trial"), h("p", { class: "hcw-why-text" }, why)));
  }
  parts.push(cfg, prov);
  if (rec.error) parts.push(h("pre", { class: "hcw-error-text" }, rec.error));
  const buttons = h("div", { class: "hcw-detail-actions" });
  const labels: [string, string, string][] = [
    ["enqueue-copy", "enqueue a copy", "run this configuration again, next"],
    ["use-as-prior", "use as prior", "a medium-confidence prior on each parameter, at this trial's value"],
    ["copy", "copy config", "copy the configuration as JSON, at full precision"],
    ["close", "close", ""],
  ];
  for (const [a, label, title] of labels) {
    const b = h("button", { type: "button", "data-action": a, title }, label);
    b.addEventListener("click", async () => {
      if (a === "close") return close();
      if (a === "copy") {
        const text = JSON.stringify(rec.params ?? {});
        try {
          await navigator.clipboard.writeText(text);
          notice(`Trial ${rec.number}'s configuration copied.`, true);
        } catch {
          notice(text, true, true); // no clipboard (an insecure page): shown to copy by hand
        }
        return;
      }
      b.disabled = true;
      const ack = await act(a === "enqueue-copy" ? "enqueue_copy" : "use_as_prior", rec.number);
      b.disabled = false;
      // The kernel's note (the copy leaves the ranges or a pin in force; a prior waits for an
      // unpin) is a warning about what will run: it stays here, beside the button clicked,
      // where the fading line above the table may be scrolled out of view.
      said.textContent = ack.ok && typeof ack.result?.note === "string" ? `Note: ${ack.result.note}.` : "";
      if (!ack.ok) notice(ack.error ?? "refused", false);
      else if (a === "enqueue-copy") {
        const q = ack.result?.queue;
        notice(`Trial ${rec.number}'s configuration enqueued: it runs next${q ? ` (${q} in the queue)` : ""}.`, true);
      } else {
        const replaced: string[] = Array.isArray(ack.result?.replaced) ? ack.result.replaced : [];
        const over = replaced.length ? ` They replace your priors on ${replaced.join(", ")}; undo brings those back.` : "";
        notice(`Priors set at trial ${rec.number}'s values.${over}`, true);
      }
    });
    buttons.append(b);
  }
  const said = h("div", { class: "hcw-action-note", role: "status" });
  parts.push(buttons, said);
  panel.replaceChildren(...parts);
}

export function renderQueue(box: HTMLElement, queue: QueueItem[], act: Act, notice: (text: string, ok: boolean) => void): void {
  box.hidden = queue.length === 0;
  if (!queue.length) {
    box.replaceChildren();
    return;
  }
  const list = h("ol", { class: "hcw-queue-list" });
  for (const q of queue) list.append(h("li", { "data-id": String(q.id), title: JSON.stringify(q.config) }, configText(q.config)));
  const clear = h("button", { type: "button", "data-action": "clear-queue", title: "take back every queued configuration that has not run (one undo puts them back)" }, "clear queue");
  clear.addEventListener("click", async () => {
    clear.disabled = true;
    const ack = await act("clear_queue");
    clear.disabled = false;
    notice(ack.ok ? "Queue cleared." : (ack.error ?? "refused"), ack.ok);
  });
  box.replaceChildren(h("span", { class: "hcw-queue-title" }, `Queued to run next (${queue.length}):`), list, clear);
}
