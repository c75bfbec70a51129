// Shared plumbing of the anywidget views: the request/ack channel to the kernel, the compact
// wire formats (twin of hcautoml_widgets/widgets/_protocol.py) and small DOM helpers.
//
// Protocol: the view sends {type:"snapshot"} on render and gets one "snapshot" message (plus
// "page" messages when the state is large), then "delta" messages only. Requests
// ({type:"edit"|"control"|"details"|"action", id}) are answered by {type:"ack", id, ok, error}.
import type { AnyModel } from "@anywidget/types";

export type Msg = { type: string; [key: string]: any };

// The names both sides must agree on (tests/widgets/test_protocol.py compares them with
// hcautoml_widgets/widgets/_base.py STEERING_OPS and the views' request handlers).
/** Steering methods a view may call through an "edit" request. */
export const STEERING_OPS = [
  "narrow", "reset", "allow", "pin", "unpin", "prior", "clear_prior",
  "accept", "reject", "unreview", "enqueue", "undo",
] as const;
export type SteeringOp = (typeof STEERING_OPS)[number];
/** Requests a view may send (each answered by an ack); "snapshot" is answered by a snapshot. */
export const REQUEST_KINDS = ["edit", "control", "details", "action", "fanova", "preview"] as const;
export type RequestKind = (typeof REQUEST_KINDS)[number];
/** Operations of the trial table's "action" request. */
export const ACTION_OPS = ["enqueue_copy", "use_as_prior", "clear_queue"] as const;
export type ActionOp = (typeof ACTION_OPS)[number];

/** How long a request waits for its ack. The kernel handles widget messages only between
 * cells, so a long-running cell delays the answer: past this, the view says so and unlocks. */
export const REQUEST_TIMEOUT_MS = 15_000;
export interface Ack {
  type: "ack";
  id: string;
  ok: boolean;
  error: string | null;
  result?: any;
}

let viewCounter = 0;

/** One view's connection to its kernel widget. Acks are matched by id, and ids carry a
 * per-view prefix because every view of a widget receives every message. */
export class Channel {
  private readonly prefix: string;
  private next = 1;
  private readonly pending = new Map<string, (ack: Ack) => void>();
  private readonly handler: (msg: any) => void;

  constructor(
    private readonly model: AnyModel,
    onMessage: (msg: Msg) => void,
  ) {
    this.prefix = `v${++viewCounter}-${Math.random().toString(36).slice(2, 8)}`;
    this.handler = (msg: any) => {
      if (!msg || typeof msg !== "object") return;
      if (msg.type === "ack") {
        const resolve = this.pending.get(msg.id);
        if (resolve) {
          this.pending.delete(msg.id);
          resolve(msg as Ack);
        }
        return;
      }
      onMessage(msg as Msg);
    };
    model.on("msg:custom", this.handler);
  }

  snapshot(): void {
    this.model.send({ type: "snapshot" });
  }

  request(type: RequestKind, body: Record<string, unknown>, timeoutMs = REQUEST_TIMEOUT_MS): Promise<Ack> {
    const id = `${this.prefix}-${this.next++}`;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        if (!this.pending.delete(id)) return;
        const error = `no answer from the kernel in ${Math.round(timeoutMs / 1000)} s: is a cell running? (edits wait for it)`;
        resolve({ type: "ack", id, ok: false, error });
      }, timeoutMs);
      this.pending.set(id, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
      this.model.send({ type, id, ...body });
    });
  }

  edit(op: SteeringOp, args: Record<string, unknown>): Promise<Ack> {
    return this.request("edit", { op, args });
  }

  dispose(): void {
    this.model.off("msg:custom", this.handler);
    this.pending.clear();
  }
}

// -- compact rows ------------------------------------------------------------------------------
export const STATES: Record<string, string> = { r: "running", c: "complete", f: "failed", p: "pruned" };
export const ORIGINS: Record<string, string> = {
  s: "startup", m: "model", p: "prior", e: "enqueued", n: "pinned",
};
export const REVIEWS: Record<string, string> = { a: "accepted", x: "rejected" };

export type Scalar = number | string | boolean | null;

export interface Row {
  n: number;
  state: string;
  value: number | null;
  origin: string;
  review: string | null;
  version: number | null;
  duration: number | null;
  params: Scalar[];
  err: boolean;
}

/** Decode ``[n, state, value, origin, review, version, duration, params, err]``; params are
 * null when the kernel knows the view already has them (then ``prev``'s are kept). */
export function decodeRow(a: any[], prev?: Row): Row {
  return {
    n: a[0],
    state: STATES[a[1]] ?? String(a[1]),
    value: a[2],
    origin: ORIGINS[a[3]] ?? String(a[3]),
    review: a[4] == null ? null : (REVIEWS[a[4]] ?? String(a[4])),
    version: a[5],
    duration: a[6],
    params: a[7] ?? prev?.params ?? [],
    err: a[8] === 1,
  };
}

// -- formatting and DOM ------------------------------------------------------------------------
export function fmt(v: Scalar | undefined, digits = 4): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "number") {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a !== 0 && (a < 1e-3 || a >= 1e5)) return v.toExponential(digits - 1).replace(/\.?0+e/, "e");
    return String(+v.toPrecision(digits));
  }
  return String(v);
}

export function duration(seconds: number | null): string {
  if (seconds === null || !isFinite(seconds) || seconds < 0) return "–";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return `${h ? h + ":" : ""}${mm}:${String(r).padStart(2, "0")}`;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string> = {},
  ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") el.className = v;
    else el.setAttribute(k, v);
  }
  for (const c of children) el.append(c);
  return el;
}

const SVG = "http://www.w3.org/2000/svg";
export function s(tag: string, attrs: Record<string, string | number> = {}): SVGElement {
  const el = document.createElementNS(SVG, tag) as SVGElement;
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}

/** Run ``fn`` once before the next frame however often it is scheduled (deltas come at up to
 * 20 a second; the DOM is touched at most once a frame). */
export function frameScheduler(fn: () => void): () => void {
  let queued = false;
  const raf: (cb: () => void) => unknown =
    typeof requestAnimationFrame === "function" ? requestAnimationFrame : (cb) => setTimeout(cb, 16);
  return () => {
    if (queued) return;
    queued = true;
    raf(() => {
      queued = false;
      fn();
    });
  };
}

const STYLE_ID = "hcw-styles";
/** Inject the shared stylesheet once per document (bundled, so nothing is fetched). */
export function ensureStyles(css: string, id = STYLE_ID): void {
  if (document.getElementById(id)) return;
  const style = document.createElement("style");
  style.id = id;
  style.textContent = css;
  document.head.append(style);
}
