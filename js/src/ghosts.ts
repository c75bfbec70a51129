// Ghost markers on a space editor track: while a handle is held (before release), where the next
// trials would go under the edit being made. The kernel computes the preview on a copy of the
// run (hcautoml_widgets/core/preview.py), which costs tens of ms at least, so it is asked only
// once the handle rests for GHOST_DEBOUNCE_MS, only the newest answer is drawn, and an answer
// that arrives after release (or after a refusal) draws nothing.
//
// Selectors: g.hcw-ghosts (pointer-events none, so a ghost never takes a drag), circle.hcw-ghost
// (data-value: the previewed value).
import { fmt, s } from "./base";

export const GHOST_DEBOUNCE_MS = 150;
/** How many next trials a preview shows. */
export const GHOST_N = 5;
const R = 4;

export type GhostOp = "narrow" | "prior" | "pin";
export interface PreviewAnswer {
  ok: boolean;
  error?: string | null;
  result?: { names: string[]; points: unknown[][]; origins?: string[] };
}
/** Ask the kernel for the preview of ``op(**args)``. */
export type Preview = (op: GhostOp, args: Record<string, unknown>) => Promise<PreviewAnswer>;

export class Ghosts {
  readonly group: SVGGElement;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private seq = 0;

  constructor(
    private readonly name: string,
    private readonly preview: Preview,
    private readonly xOf: (v: number) => number,
    private readonly y: number,
  ) {
    this.group = s("g", { class: "hcw-ghosts", "pointer-events": "none" }) as SVGGElement;
  }

  /** Preview ``op(**args)`` once the gesture rests; a newer call replaces an older one. */
  schedule(op: GhostOp, args: Record<string, unknown>): void {
    if (this.timer) clearTimeout(this.timer);
    const seq = ++this.seq;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.preview(op, args).then(
        (ans) => this.answer(seq, ans),
        () => this.answer(seq, { ok: false }),
      );
    }, GHOST_DEBOUNCE_MS);
  }

  /** Release or cancel: no more ghosts, and answers still on their way are dropped. */
  clear(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.seq++;
    this.draw([]);
  }

  private answer(seq: number, ans: PreviewAnswer): void {
    if (seq !== this.seq) return; // stale: the handle moved on, or was released
    const i = ans.ok && ans.result ? ans.result.names.indexOf(this.name) : -1;
    const origins = ans.result?.origins ?? [];
    const values = i < 0 ? [] : ans.result!.points
      .map((pt, k) => ({ v: pt[i], queued: origins[k] === "enqueued" }))
      .filter((g): g is { v: number; queued: boolean } => typeof g.v === "number" && Number.isFinite(g.v));
    this.draw(values);
  }

  private draw(values: { v: number; queued: boolean }[]): void {
    // Suggestions that land on the same spot stack upwards, so five stay countable.
    const xs = values.map(({ v, queued }) => ({ v, queued, x: this.xOf(v) })).sort((a, b) => a.x - b.x);
    const level: number[] = [];
    const marks = xs.map(({ v, queued, x }, k) => {
      let l = 0;
      for (let j = 0; j < k; j++) if (Math.abs(xs[j].x - x) < 2 * R) l = Math.max(l, level[j] + 1);
      level.push(l);
      // A configuration in the queue runs as given, whatever the edit: drawn apart (dashed,
      // grey), or a ghost outside the range being narrowed reads as the narrow ignored.
      const c = s("circle", { class: queued ? "hcw-ghost hcw-ghost-queued" : "hcw-ghost", cx: x,
        cy: this.y - l * (2 * R + 1), r: R, "data-value": v });
      c.append(s("title"));
      c.firstChild!.textContent = queued ? `a queued configuration runs as given: ${fmt(v)}` : `a next trial would try ${fmt(v)}`;
      return c;
    });
    this.group.replaceChildren(...marks);
  }
}
