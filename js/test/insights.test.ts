import { afterEach, describe, expect, it } from "vitest";
import { drawPair } from "../src/insights_charts";
import view from "../src/insights";
import { FakeModel, frame, mount } from "./fake_model";

const { render } = view;

const AXES = [
  { name: "x", kind: "float", log: false, low: 0, high: 1, step: null, choices: null, range: [0, 1], allowed: null, pin: null, prior: null },
  { name: "loss", kind: "categorical", log: false, low: null, high: null, step: null, choices: ["a", "b"], range: null, allowed: ["a", "b"], pin: null, prior: null },
];
const STATE = { version: 0, ranges: { x: [0, 1] }, allowed: { loss: ["a", "b"] }, pins: {}, priors: {} };
const curve = (n: number) => ({ x: Array.from({ length: n }, (_, i) => i / (n - 1)), mean: Array.from({ length: n }, (_, i) => (i / (n - 1) - 0.3) ** 2), std: Array(n).fill(0.01) });
const SUMMARY = {
  n: 12, evaluator: "forest",
  importance: [{ name: "x", share: 0.9, low: 0.8, high: 0.95 }, { name: "loss", share: 0.1, low: 0.05, high: 0.2 }],
  pd: { x: curve(5), loss: { x: ["a", "b"], mean: [0.1, 0.12], std: [0.01, 0.02] } },
  pair: { a: "x", b: "loss", x: [0, 0.5, 1], y: ["a", "b"], mean: [[1, 2], [3, 4], [5, 6]], std: [[0, 0], [0, 0], [0, 0]], strength: 0.1 },
};
const row = (n: number, x: number, v: number | null, state = "c", review: string | null = null) =>
  [n, state, v, "s", review, 0, 1, [x, n % 2 ? "a" : "b"], state === "f" ? 1 : 0];

afterEach(() => document.body.replaceChildren());

describe("Insights", () => {
  it("draws the snapshot: importance with intervals, dependence with rugs, the pair, every trial", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    expect(model.sent).toEqual([{ type: "snapshot" }]);
    model.deliver({ type: "snapshot", names: ["x", "loss"], direction: "minimize", axes: AXES, state: STATE,
      summary: SUMMARY, history: [{ n: 12, shares: { x: 0.9, loss: 0.1 } }], fanova: null, metric: "CV error",
      fanova_running: false, rows: [row(0, 0.1, 0.5), row(1, 0.3, 0.1), row(2, 0.9, 2, "c", "x"), row(3, 0.5, null, "f")] });
    expect(el.querySelector(".hcw-insights")!.getAttribute("data-n")).toBe("12");
    // The objective is named as the run names it, wherever it is drawn.
    expect(el.querySelector('g.hcw-pc-axis[data-param="value"] text.hcw-pc-label')!.textContent).toBe("CV error");
    expect(el.querySelector(".hcw-ins-pair .hcw-ins-title")!.textContent).toContain("(colour: CV error)");
    expect([...el.querySelectorAll(".hcw-ins-section")].map((e) => e.textContent)[0]).toMatch(/^Partial dependence of CV error /);
    const imp = [...el.querySelectorAll(".hcw-ins-importance g.hcw-imp-row")].map((g) => g.getAttribute("data-param"));
    expect(imp).toEqual(["x", "loss"]);
    expect(el.querySelectorAll(".hcw-ins-importance line.hcw-imp-interval").length).toBe(6);
    expect(el.querySelectorAll(".hcw-ins-pd .hcw-pd").length).toBe(2);
    const rug = el.querySelector('.hcw-pd[data-param="x"] path.hcw-pd-rug')!.getAttribute("d")!;
    expect(rug.match(/M/g)!.length).toBe(2); // completed, non-rejected trials only
    expect(el.querySelector('.hcw-pd[data-param="x"] path.hcw-pd-band')).not.toBeNull();
    expect(el.querySelectorAll(".hcw-ins-pair rect.hcw-pair-cell").length).toBe(6);
    expect(el.querySelector(".hcw-ins-pair svg")!.getAttribute("data-a")).toBe("x");
    expect(el.querySelectorAll("path.hcw-pc-line").length).toBe(4);
    // One computation has no history yet: a note, not an axis from 12 to 13.
    expect(el.querySelectorAll(".hcw-ins-history path.hcw-history-line").length).toBe(0);
    expect(el.querySelector(".hcw-ins-history")!.textContent).toContain("computed once so far, on 12 trials");
  });

  it("draws a line per parameter once importance was computed twice", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["x", "loss"], direction: "minimize", axes: AXES, state: STATE,
      summary: SUMMARY, history: [{ n: 12, shares: { x: 0.9, loss: 0.1 } }, { n: 20, shares: { x: 0.7, loss: 0.3 } }],
      fanova: null, fanova_running: false, rows: [] });
    expect(el.querySelectorAll(".hcw-ins-history path.hcw-history-line").length).toBe(2);
    expect(el.querySelector(".hcw-history-note")).toBeNull();
  });

  it("takes deltas, new summaries and history points, and steering state", async () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["x", "loss"], direction: "minimize", axes: AXES, state: STATE,
      summary: { n: 3, error: "insights start after 10 completed, non-rejected trials (3 so far)" },
      history: [], fanova: null, fanova_running: false, rows: [row(0, 0.1, 0.5)] });
    expect(el.querySelector(".hcw-ins-status")!.textContent).toContain("start after 10");
    model.deliver({ type: "delta", rows: [row(1, 0.2, 0.3), row(2, 0.4, 0.2)] });
    model.deliver({ type: "delta", rows: [row(1, 0.2, 0.3, "c", "x")], state: { ...STATE, version: 1, priors: { x: { value: 0.3, confidence: "high" } } } });
    await new Promise((r) => setTimeout(r, 500));
    await frame();
    expect(el.querySelectorAll("path.hcw-pc-line").length).toBe(3);
    expect(el.querySelector('path.hcw-pc-line[data-n="1"]')!.getAttribute("data-review")).toBe("rejected");
    expect(el.querySelector('g.hcw-pc-axis[data-param="x"] path.hcw-pc-prior')).not.toBeNull();
    model.deliver({ type: "insight", kind: "summary", summary: SUMMARY, history: { n: 12, shares: { x: 0.9, loss: 0.1 } } });
    expect(el.querySelector(".hcw-insights")!.getAttribute("data-n")).toBe("12");
    expect(el.querySelector('.hcw-pd[data-param="x"] line.hcw-pd-prior')).not.toBeNull();
    const status = el.querySelector(".hcw-ins-status")!;
    expect(status.textContent).toMatch(/^insights on 12 completed trials · importance/);
    // The run goes on past the summary's trials: the line says so, not "12 completed trials".
    model.deliver({ type: "delta", rows: Array.from({ length: 16 }, (_, i) => row(10 + i, 0.5, 0.5)) });
    await new Promise((r) => setTimeout(r, 500));
    await frame();
    expect(status.textContent).toMatch(/^insights on 12 of 18 completed trials · importance/);
    expect((status as HTMLElement).title).toContain("computed again as trials come in");
    // What the importance measures, and what its whiskers are, follow the evaluator.
    expect(status.textContent).toContain("how far each parameter moves the curves below");
    const title = () => el.querySelector(".hcw-ins-importance .hcw-ins-title")!.textContent;
    expect(title()).toBe("importance (bars: share; whiskers: spread over refits)");
    model.deliver({ type: "insight", kind: "summary", summary: { ...SUMMARY, evaluator: "ped-anova" }, history: { n: 12, shares: { x: 0.9, loss: 0.1 } } });
    await frame();
    expect(status.textContent).toContain("PED-ANOVA (the best 10% against the other trials)");
    expect(title()).toBe("importance (bars: share; whiskers: spread over refits)");
  });

  it("asks for fANOVA, shows its progress, then its bars", async () => {
    const model = new FakeModel();
    const { el, cleanup } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["x", "loss"], direction: "minimize", axes: AXES, state: STATE,
      summary: SUMMARY, history: [], fanova: null, fanova_running: false, rows: [] });
    const btn = el.querySelector<HTMLButtonElement>('button[data-action="fanova"]')!;
    btn.click();
    expect(model.last()).toMatchObject({ type: "fanova" });
    expect(btn.disabled).toBe(true);
    model.ack("fanova", true, null, { started: true });
    model.deliver({ type: "insight", kind: "progress", done: 1, total: 3 });
    expect(el.querySelector(".hcw-ins-progress")!.textContent).toBe("fANOVA: refit 1 of 3…");
    model.deliver({ type: "insight", kind: "fanova", n: 12, importance: SUMMARY.importance });
    await frame();
    expect(el.querySelectorAll(".hcw-ins-fanova g.hcw-imp-row").length).toBe(2);
    expect(btn.disabled).toBe(false);
    cleanup();
    expect(model.listeners("msg:custom")).toBe(0);
  });

  it("puts the pair map's ticks at round values of each parameter's own scale", () => {
    const box = document.createElement("div");
    document.body.append(box);
    // Grids as the kernel sends them: even on a log scale (C), and on a linear one (x).
    const C = [1e-3, 1e-3 * 10 ** 1.5, 1, 10 ** 1.5, 1000];
    // 12 points on [0, 10] as the kernel sends them, to 4 significant digits.
    const x = Array.from({ length: 12 }, (_, i) => Number(((10 * i) / 11).toPrecision(4)));
    const pair = { a: "C", b: "x", x: C, y: x, mean: C.map(() => x.map(() => 1)), std: C.map(() => x.map(() => 0)), strength: 0.2 };
    const axes = [
      { name: "C", kind: "float", log: true, low: 1e-3, high: 1000, choices: null, range: null, allowed: null, pin: null, prior: null },
      { name: "x", kind: "float", log: false, low: 0, high: 10, choices: null, range: null, allowed: null, pin: null, prior: null },
    ];
    drawPair(box, pair, "minimize", axes);
    const labels = (sel: string) => [...box.querySelectorAll(`${sel} .tick text`)].map((t) => t.textContent).filter((t) => t);
    expect(labels(".hcw-pair-x")).toEqual(expect.arrayContaining(["0.01", "1", "100"]));
    expect(labels(".hcw-pair-x").every((t) => /^(1e-?\d+|0\.0*1|1|10+)$/.test(t!))).toBe(true);
    expect(labels(".hcw-pair-y")).toEqual(["0", "2", "4", "6", "8", "10"]);
    // An integer grid on a log parameter, rounded and not evenly spaced: its own values, each
    // under its own cell.
    const n = [1, 2, 3, 5, 10];
    const intAxis = { ...axes[0], name: "n", kind: "int", low: 1, high: 10 };
    drawPair(box, { ...pair, a: "n", x: n, mean: n.map(() => x.map(() => 1)), std: n.map(() => x.map(() => 0)) }, "minimize", [intAxis, axes[1]]);
    expect(labels(".hcw-pair-x")).toEqual(["1", "3", "10"]);
    const cells = [...box.querySelectorAll("rect.hcw-pair-cell")].filter((_, i) => i % x.length === 0);
    const tick = box.querySelector(".hcw-pair-x .tick")!.getAttribute("transform")!;
    const first = Number(cells[0].getAttribute("x")) + Number(cells[0].getAttribute("width")) / 2;
    expect(Math.abs(Number(/translate\(([\d.]+)/.exec(tick)![1]) - first)).toBeLessThan(1);
    box.remove();
  });
});
