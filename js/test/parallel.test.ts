import { afterEach, describe, expect, it } from "vitest";
import { decodeRow, type Ack } from "../src/base";
import { brushEdit, ParallelCoords } from "../src/parallel";
import type { Axis } from "../src/insights_charts";
import { frame } from "./fake_model";

const ax = (over: Partial<Axis> & { step?: number | null }): Axis & { step?: number | null } => ({
  name: "x", kind: "float", log: false, low: 0, high: 1, choices: null, range: null, allowed: null,
  pin: null, prior: null, step: null, ...over,
});

const AXES = [
  ax({ name: "lr", log: true, low: 1e-4, high: 1 }),
  ax({ name: "depth", kind: "int", low: 2, high: 16, step: 1 }),
  ax({ name: "loss", kind: "categorical", low: null, high: null, choices: ["a", "b", "c"] }),
];

function rows(): Map<number, ReturnType<typeof decodeRow>> {
  const raw = [
    [0, "c", 0.5, "s", null, 0, 1, [0.001, 3, "a"], 0],
    [1, "c", 0.2, "s", null, 0, 1, [0.01, 8, "b"], 0],
    [2, "c", 0.9, "m", "x", 0, 1, [0.1, 12, "c"], 0],
    [3, "f", null, "m", null, 0, 1, [0.5, 15, "a"], 1],
    [4, "c", 0.4, "m", null, 0, 1, [0.02, 6, "b"], 0],
  ];
  return new Map(raw.map((a) => [a[0] as number, decodeRow(a as any[])]));
}

afterEach(() => document.body.replaceChildren());

describe("brushEdit (the kernel's edit_for_brush, in the browser)", () => {
  it("rounds integer brushes inwards, or to the nearest value when none is inside", () => {
    expect(brushEdit(AXES[1], [3.2, 7.9], "narrow")).toEqual({ op: "narrow", args: { name: "depth", low: 4, high: 7 } });
    expect(brushEdit(AXES[1], [3.2, 3.7], "narrow")).toEqual({ op: "narrow", args: { name: "depth", low: 3, high: 3 } });
  });
  it("allows the brushed choices and centres priors on the log scale", () => {
    expect(brushEdit(AXES[2], ["c", "a"], "narrow")).toEqual({ op: "allow", args: { name: "loss", choices: ["a", "c"] } });
    const p = brushEdit(AXES[0], [1e-3, 1e-1], "prior");
    expect(p.op).toBe("prior");
    expect(p.args.value as number).toBeCloseTo(1e-2, 10);
    expect(() => brushEdit(AXES[2], [], "narrow")).toThrow("holds no choice");
    expect(brushEdit(ax({ step: 0.1 }), [0.25, 0.71], "narrow").args).toEqual({ name: "x", low: 0.3, high: 0.7 });
  });
});

describe("ParallelCoords", () => {
  function mount(answer: (op: string, args: Record<string, unknown>) => Ack) {
    const sent: { op: string; args: Record<string, unknown> }[] = [];
    const el = document.createElement("div");
    document.body.append(el);
    const pc = new ParallelCoords(el, async (op, args) => {
      sent.push({ op, args });
      return answer(op, args);
    });
    pc.setAxes(AXES, "minimize", 800);
    pc.setRows(rows());
    return { el, pc, sent };
  }

  it("draws one line per trial, log and categorical axes, rejected and failed ones marked", () => {
    const { el } = mount(() => ({ type: "ack", id: "1", ok: true, error: null }));
    const lines = el.querySelectorAll("path.hcw-pc-line");
    expect(lines.length).toBe(5);
    expect(el.querySelector('path.hcw-pc-line[data-n="2"]')!.classList.contains("hcw-rejected")).toBe(true);
    expect(el.querySelector('path.hcw-pc-line[data-n="3"]')!.classList.contains("hcw-failed")).toBe(true);
    // The best trial is drawn last (on top) and coloured; the log axis has decade ticks.
    expect((lines[lines.length - 1] as SVGElement).dataset.n).toBe("1");
    expect(lines[lines.length - 1].getAttribute("stroke")).toMatch(/^(#|rgb)/);
    const ticks = [...el.querySelectorAll('g.hcw-pc-axis[data-param="lr"] .tick text')].map((t) => t.textContent);
    expect(ticks).toContain("1e-4");
    const cats = [...el.querySelectorAll('g.hcw-pc-axis[data-param="loss"] .tick text')].map((t) => t.textContent);
    expect(cats).toEqual(["a", "b", "c"]);
    // An integer axis is ticked at integers only (d3 would put 5 ticks on 2-5 at halves).
    const small = document.createElement("div");
    document.body.append(small);
    const q = new ParallelCoords(small, async () => ({ type: "ack", id: "1", ok: true, error: null }));
    q.setAxes([ax({ name: "degree", kind: "int", low: 2, high: 5, step: 1 })], "minimize", 400);
    const degree = [...small.querySelectorAll('g.hcw-pc-axis[data-param="degree"] .tick text')].map((t) => t.textContent);
    expect(degree.length).toBeGreaterThanOrEqual(2);
    expect(degree.every((t) => Number.isInteger(Number(t)))).toBe(true);
    expect(el.querySelectorAll("g.hcw-pc-axis").length).toBe(4); // and the objective
    expect(el.querySelector(".hcw-pc-failed-label")!.getAttribute("display")).toBeNull();
  });

  it("marks running trials apart from rejected ones and labels the failed slot only when used", () => {
    const { el, pc } = mount(() => ({ type: "ack", id: "1", ok: true, error: null }));
    const running = new Map([...rows()].filter(([n]) => n !== 3));
    running.set(5, decodeRow([5, "r", null, "m", null, 0, null, [0.03, 4, "c"], 0] as any[]));
    pc.setRows(running);
    running.set(6, decodeRow([6, "p", null, "m", null, 0, 1, [0.04, 5, "a"], 0] as any[]));
    pc.setRows(running);
    expect(el.querySelector('path.hcw-pc-line[data-n="6"]')!.classList.contains("hcw-pruned")).toBe(true);
    expect(el.querySelector('path.hcw-pc-line[data-n="6"]')!.classList.contains("hcw-pending")).toBe(false);
    const line = el.querySelector('path.hcw-pc-line[data-n="5"]')!;
    expect(line.classList.contains("hcw-pending")).toBe(true);
    expect(line.classList.contains("hcw-rejected")).toBe(false);
    // No failed trial: no "failed" label over the objective axis.
    expect(el.querySelector(".hcw-pc-failed-label")!.getAttribute("display")).toBe("none");
  });

  it("a brush selects trials; 'narrow to this' sends the edit and a refusal shows inline", async () => {
    const { el, pc, sent } = mount((op) => op === "narrow"
      ? { type: "ack", id: "1", ok: false, error: "parameter 'depth': pinned at 3, outside [5, 12]" }
      : { type: "ack", id: "2", ok: true, error: null });
    const narrow = el.querySelector<HTMLButtonElement>('button[data-action="narrow"]')!;
    expect(narrow.disabled).toBe(true);
    pc.brush("depth", [5, 12.4]);
    expect(pc.selected().sort()).toEqual([1, 2, 4]);
    expect(el.querySelector(".hcw-pc-count")!.textContent).toBe("3 of 5 trials selected");
    expect(el.querySelector('path.hcw-pc-line[data-n="0"]')!.classList.contains("hcw-dim")).toBe(true);
    expect(narrow.disabled).toBe(false);
    narrow.click();
    await frame();
    expect(sent[0]).toEqual({ op: "narrow", args: { name: "depth", low: 5, high: 12 } });
    expect(el.querySelector(".hcw-pc-error")!.textContent).toContain("pinned at 3");
    pc.brush("loss", ["b"]);
    expect(pc.selected()).toEqual([1, 4]);
    el.querySelector<HTMLButtonElement>('button[data-action="prior"]')!.click();
    await frame();
    expect(sent[1]).toEqual({ op: "prior", args: { name: "loss", value: "b", confidence: "medium" } });
    expect(el.querySelector(".hcw-pc-error")!.textContent).toBe("");
    expect(el.querySelector(".hcw-pc-done")!.textContent).toContain("prior loss ≈ b");
    el.querySelector<HTMLButtonElement>('button[data-action="clear"]')!.click();
    expect(el.querySelector(".hcw-pc-count")!.textContent).toContain("5 trials");
  });

  it("draws the current range and the prior on an axis", () => {
    const { el, pc } = mount(() => ({ type: "ack", id: "1", ok: true, error: null }));
    pc.setSteer({ ranges: { lr: [1e-3, 1e-1], depth: [2, 16] }, allowed: { loss: ["a"] }, pins: {},
      priors: { depth: { value: 6, confidence: "high" } } });
    expect(el.querySelector('g.hcw-pc-axis[data-param="lr"] rect.hcw-pc-range')).not.toBeNull();
    expect(el.querySelector('g.hcw-pc-axis[data-param="depth"] rect.hcw-pc-range')).toBeNull();
    expect(el.querySelectorAll('g.hcw-pc-axis[data-param="loss"] rect.hcw-pc-range').length).toBe(1);
    expect(el.querySelector('g.hcw-pc-axis[data-param="depth"] path.hcw-pc-prior')).not.toBeNull();
  });
});
