import { afterEach, describe, expect, it } from "vitest";
import view, { BINS, fromUnit, toUnit, type ParamSpec } from "../src/space_editor";
import { FakeModel, frame, mount } from "./fake_model";

// The view is reached through its default export only, as anywidget does.
const { render } = view;

const lr: ParamSpec = { name: "lr", kind: "float", low: 1e-4, high: 1, log: true, step: null, choices: null, default: 0.01, condition: null };
const depth: ParamSpec = { name: "depth", kind: "int", low: 2, high: 16, log: false, step: null, choices: null, default: 6, condition: null };
const loss: ParamSpec = { name: "loss", kind: "categorical", low: null, high: null, log: false, step: null, choices: ["log_loss", "exponential"], default: "log_loss", condition: null };

const state = (over: Record<string, unknown> = {}) => ({
  version: 0, ranges: { lr: [1e-4, 1], depth: [2, 16] }, allowed: { loss: ["log_loss", "exponential"] }, pins: {}, priors: {}, ...over,
});

function setup() {
  const model = new FakeModel();
  const { el, cleanup } = mount(render, model);
  model.deliver({ type: "snapshot", names: ["depth", "loss", "lr"], space: { params: [loss, depth, lr] }, state: state(), samples: [[6, "log_loss", 0.01]] });
  // jsdom has no layout: give every track a 300 px wide box at x = 0.
  for (const svg of el.querySelectorAll<SVGSVGElement>("svg.hcw-track")) {
    svg.getBoundingClientRect = () => ({ left: 0, top: 0, width: 300, height: 56, right: 300, bottom: 56, x: 0, y: 0, toJSON: () => ({}) });
  }
  return { model, el, cleanup };
}

function drag(el: Element, toX: number) {
  el.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, clientX: 0 }));
  window.dispatchEvent(new MouseEvent("pointermove", { clientX: toX }));
  window.dispatchEvent(new MouseEvent("pointerup", { clientX: toX }));
}

const cx = (el: Element, sel: string) => Number(el.querySelector(sel)!.getAttribute("cx"));

afterEach(() => document.body.replaceChildren());

describe("log-aware mapping", () => {
  it("puts decades at equal distances and snaps ints", () => {
    expect(toUnit(lr, 1e-2)).toBeCloseTo(0.5);
    expect(fromUnit(lr, 0.75)).toBeCloseTo(0.1);
    expect(fromUnit(depth, 0.5)).toBe(9);
    expect(toUnit(lr, 10)).toBe(1);
    const q: ParamSpec = { ...depth, kind: "float", low: 0, high: 1, step: 0.25 };
    expect(fromUnit(q, 0.6)).toBe(0.5);
  });
});

describe("SpaceEditor", () => {
  it("renders a row per hyperparameter with stable selectors", () => {
    const { model, el } = setup();
    expect(model.sent[0]).toEqual({ type: "snapshot" });
    const names = [...el.querySelectorAll<HTMLElement>(".hcw-param")].map((r) => r.dataset.param);
    expect(names).toEqual(["depth", "loss", "lr"]);
    const row = el.querySelector('[data-param="lr"]')!;
    for (const sel of [".hcw-handle-low", ".hcw-handle-high", ".hcw-prior-marker", ".hcw-pin", ".hcw-confidence", ".hcw-error"]) {
      expect(row.querySelector(sel), sel).not.toBeNull();
    }
    expect(el.querySelectorAll('[data-param="loss"] .hcw-choice')).toHaveLength(2);
    expect(row.querySelector(".hcw-prior-marker")!.classList.contains("hcw-prior-unset")).toBe(true);
  });

  it("sends a narrow when a handle is dragged, and reverts with an inline error when refused", async () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="lr"]')!;
    const before = cx(row, ".hcw-handle-high");
    drag(row.querySelector(".hcw-handle-high")!, 150); // the middle of the log track: 1e-2
    const req = model.last();
    expect(req).toMatchObject({ type: "edit", op: "narrow", args: { name: "lr", low: 1e-4 } });
    expect(req.args.high).toBeCloseTo(0.01, 3);
    expect(cx(row, ".hcw-handle-high")).toBeLessThan(before);
    model.ack("edit", false, "narrow lr: the range is too small");
    await frame();
    expect(row.querySelector(".hcw-error")!.textContent).toContain("too small");
    expect(cx(row, ".hcw-handle-high")).toBe(before);
    // The person moves on to another row: once an edit is accepted there, lr's error retires.
    el.querySelector<HTMLElement>('[data-param="loss"] .hcw-choice[data-choice="exponential"]')!.click();
    expect(model.last()).toMatchObject({ op: "allow", args: { name: "loss" } });
    expect(row.querySelector(".hcw-error")!.textContent).toContain("too small");
    model.ack("edit", true, null);
    await frame();
    expect(row.querySelector(".hcw-error")!.textContent).toBe("");
  });

  it("follows edits made from a cell: handles, pins and priors move on a state delta", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["depth", "lr"], space: { params: [depth, lr] }, state: state() });
    const row = el.querySelector<HTMLElement>('[data-param="depth"]')!;
    const low0 = cx(row, ".hcw-handle-low");
    model.deliver({ type: "delta", state: state({ version: 2, ranges: { lr: [1e-4, 1], depth: [9, 16] }, pins: { depth: 12 }, priors: { lr: { value: 0.01, confidence: "high" } } }) });
    expect(cx(row, ".hcw-handle-low")).toBeGreaterThan(low0);
    expect(row.dataset.pinned).toBe("true");
    expect(row.querySelector<HTMLInputElement>(".hcw-pin")!.checked).toBe(true);
    const lrRow = el.querySelector<HTMLElement>('[data-param="lr"]')!;
    expect(lrRow.dataset.prior).toBe("true");
    expect(lrRow.querySelector<HTMLSelectElement>(".hcw-confidence")!.value).toBe("high");
    // an older state (a stale message) never wins over a newer one
    model.deliver({ type: "delta", state: state({ version: 1 }) });
    expect(row.dataset.pinned).toBe("true");
  });

  it("sends prior, pin, allow and reset edits", () => {
    const { model, el } = setup();
    const lrRow = el.querySelector('[data-param="lr"]')!;
    drag(lrRow.querySelector(".hcw-prior-marker")!, 220); // 3/4 of the log track: 0.1
    expect(model.last()).toMatchObject({ op: "prior", args: { name: "lr", confidence: "medium" } });
    expect(model.last().args.value).toBeCloseTo(0.1, 2);
    const pin = el.querySelector<HTMLInputElement>('[data-param="depth"] .hcw-pin')!;
    pin.checked = true;
    pin.dispatchEvent(new Event("change"));
    expect(model.last()).toMatchObject({ op: "pin", args: { name: "depth", value: 9 } });
    el.querySelector<HTMLButtonElement>('[data-param="loss"] .hcw-choice[data-choice="exponential"]')!.click();
    expect(model.last()).toMatchObject({ op: "allow", args: { name: "loss", choices: ["log_loss"] } });
    el.querySelector<HTMLButtonElement>('[data-param="depth"] button[data-action="reset"]')!.click();
    expect(model.last()).toMatchObject({ op: "reset", args: { name: "depth" } });
  });

  it("builds a second choice click on the first before the kernel's state comes back", async () => {
    const { model, el } = setup();
    const exp = el.querySelector<HTMLButtonElement>('[data-param="loss"] .hcw-choice[data-choice="exponential"]')!;
    exp.click();
    expect(model.last()).toMatchObject({ op: "allow", args: { name: "loss", choices: ["log_loss"] } });
    exp.click(); // no state delta yet: this takes the first click back, it does not repeat it
    expect(model.last()).toMatchObject({ op: "allow", args: { name: "loss", choices: ["log_loss", "exponential"] } });
    model.ack("edit", false, "refused on purpose");
    await frame();
    // Refused: the buttons show what is in force again (both allowed, as the snapshot said).
    expect(exp.getAttribute("aria-pressed")).toBe("true");
  });

  it("counts sampled values into histograms", async () => {
    const { model, el } = setup();
    model.deliver({ type: "delta", samples: [[6, "exponential", 0.01], [16, "exponential", 1.0]] });
    await frame();
    const bars = [...el.querySelectorAll('[data-param="lr"] .hcw-hist-bar')].map((b) => Number(b.getAttribute("data-count")));
    expect(bars).toHaveLength(BINS);
    expect(bars[BINS / 2]).toBe(2);
    expect(bars[BINS - 1]).toBe(1);
    const counts = [...el.querySelectorAll('[data-param="loss"] .hcw-count')].map((c) => c.textContent);
    expect(counts).toEqual(["1", "2"]);
  });

  it("handles categorical priors, constants and conditions", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    const c: ParamSpec = { name: "c", kind: "constant", low: null, high: null, log: false, step: null, choices: null, default: 3, condition: null };
    const child: ParamSpec = { ...depth, name: "gamma", condition: { parent: "loss", values: ["exponential"] } };
    model.deliver({ type: "snapshot", names: ["loss", "c", "gamma"], space: { params: [loss, c, child] },
      state: state({ ranges: { gamma: [2, 16] }, priors: { loss: { value: "exponential", confidence: "low" } } }) });
    const lossRow = el.querySelector<HTMLElement>('[data-param="loss"]')!;
    const sel = lossRow.querySelector<HTMLSelectElement>(".hcw-prior-select")!;
    expect(sel.value).toBe("1");
    expect(lossRow.querySelector<HTMLSelectElement>(".hcw-confidence")!.value).toBe("low");
    sel.value = "0";
    sel.dispatchEvent(new Event("change"));
    expect(model.last()).toMatchObject({ op: "prior", args: { name: "loss", value: "log_loss", confidence: "low" } });
    sel.value = "";
    sel.dispatchEvent(new Event("change"));
    expect(model.last()).toMatchObject({ op: "clear_prior", args: { name: "loss" } });
    expect(el.querySelector('[data-param="c"]')!.textContent).toContain("= 3");
    expect(el.querySelector('[data-param="c"] .hcw-pin')).toBeNull();
    expect(el.querySelector('[data-param="gamma"] .hcw-cond')!.textContent).toBe("if loss ∈ {exponential}");
  });
});

describe("SpaceEditor: reading and typing what is in force", () => {
  it("says the range, prior and pin in words, rounded for reading", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["lr", "loss"], space: { params: [lr, loss] },
      state: state({ ranges: { lr: [0.00123456, 0.3] }, priors: { lr: { value: 0.0123456, confidence: "high" }, loss: { value: "exponential", confidence: "low" } }, pins: { loss: "log_loss" } }) });
    const row = el.querySelector('[data-param="lr"]')!;
    expect(row.querySelector(".hcw-range-text")!.textContent).toBe("0.001235 – 0.3");
    expect(row.querySelector(".hcw-base-text")!.textContent).toBe("of 1e-4 – 1 log");
    expect(row.querySelector(".hcw-prior-text")!.textContent).toBe("prior 0.01235 (high)");
    expect(row.querySelector(".hcw-pin-text")!.classList.contains("hcw-unset")).toBe(true);
    const lossRow = el.querySelector('[data-param="loss"]')!;
    expect(lossRow.querySelector(".hcw-range-text")!.textContent).toBe("= log_loss");
    expect(lossRow.querySelector(".hcw-choice.hcw-pinned")!.getAttribute("data-choice")).toBe("log_loss");
    expect(lossRow.querySelector(".hcw-choice.hcw-prior-choice")!.getAttribute("data-choice")).toBe("exponential");
  });

  it("sends a typed bound, prior and pin; Escape cancels; nonsense is refused locally", () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    const type = (field: string, text: string, key = "Enter") => {
      row.querySelector<HTMLButtonElement>(`.hcw-num[data-field="${field}"]`)!.click();
      const input = row.querySelector<HTMLInputElement>(`input.hcw-num-input[data-field="${field}"]`)!;
      input.value = text;
      input.dispatchEvent(new KeyboardEvent("keydown", { key }));
    };
    type("high", "12");
    expect(model.last()).toMatchObject({ op: "narrow", args: { name: "depth", low: 2, high: 12 } });
    type("prior", "7");
    expect(model.last()).toMatchObject({ op: "prior", args: { name: "depth", value: 7, confidence: "medium" } });
    type("pin", "5");
    expect(model.last()).toMatchObject({ op: "pin", args: { name: "depth", value: 5 } });
    const n = model.sent.length;
    type("low", "3", "Escape");
    type("low", "abc");
    expect(model.sent.length).toBe(n);
    expect(row.querySelector(".hcw-error")!.textContent).toContain("not a number");
    expect(row.querySelector("input.hcw-num-input")).toBeNull();
  });

  it("pins where the pin handle is dropped, not in the middle", () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    // 10 + 0.25 * 280 = 80 px: a quarter of [2, 16] is 5.5, an int: 6 (round half up)
    drag(row.querySelector(".hcw-pin-handle")!, 80);
    expect(model.last()).toMatchObject({ op: "pin", args: { name: "depth", value: 6 } });
    drag(row.querySelector(".hcw-pin-handle")!, 10);
    expect(model.last()).toMatchObject({ op: "pin", args: { name: "depth", value: 2 } });
    // the checkbox pins where the handle was left
    const pin = row.querySelector<HTMLInputElement>(".hcw-pin")!;
    pin.checked = true;
    pin.dispatchEvent(new Event("change"));
    expect(model.last()).toMatchObject({ op: "pin", args: { name: "depth", value: 2 } });
  });

  it("moves sliders from the keyboard, with ARIA roles, and sends when the keys rest", async () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    const high = row.querySelector<SVGElement>(".hcw-handle-high")!;
    expect(high.getAttribute("role")).toBe("slider");
    expect(high.getAttribute("tabindex")).toBe("0");
    expect(high.getAttribute("aria-valuenow")).toBe("16");
    const n = model.sent.length;
    for (let i = 0; i < 3; i++) high.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowLeft" }));
    expect(high.getAttribute("aria-valuenow")).toBe("13");
    expect(model.sent.length).toBe(n); // not yet: the keys may go on
    high.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter" }));
    expect(model.last()).toMatchObject({ op: "narrow", args: { name: "depth", low: 2, high: 13 } });
    const low = row.querySelector<SVGElement>(".hcw-handle-low")!;
    low.dispatchEvent(new KeyboardEvent("keydown", { key: "End" }));
    await new Promise((r) => setTimeout(r, 700));
    // the high bound just sent (13) holds, though the kernel's state has not come back yet
    expect(model.last()).toMatchObject({ op: "narrow", args: { name: "depth", low: 13, high: 13 } });
  });

  it("a gesture right after another starts from what was sent, not from the older state", async () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    drag(row.querySelector(".hcw-handle-high")!, 150); // the middle of [2, 16]: 9
    expect(model.last()).toMatchObject({ op: "narrow", args: { low: 2, high: 9 } });
    drag(row.querySelector(".hcw-handle-low")!, 50);
    expect(model.last()).toMatchObject({ op: "narrow", args: { low: 4, high: 9 } });
    // refused: the row shows the kernel's range again
    model.ack("edit", false, "no");
    await frame();
    expect(cx(row, ".hcw-handle-high")).toBeCloseTo(290);
  });

  it("a cancelled drag sends nothing and gives the row back", () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="lr"]')!;
    const before = cx(row, ".hcw-handle-high");
    const n = model.sent.length;
    row.querySelector(".hcw-handle-high")!.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, clientX: 290 }));
    window.dispatchEvent(new MouseEvent("pointermove", { clientX: 100 }));
    expect(cx(row, ".hcw-handle-high")).toBeLessThan(before);
    window.dispatchEvent(new MouseEvent("pointercancel", {}));
    window.dispatchEvent(new MouseEvent("pointerup", { clientX: 100 }));
    expect(model.sent.length).toBe(n);
    expect(cx(row, ".hcw-handle-high")).toBe(before);
  });

  it("shows the kernel's note on what the steering in force does to a prior, whoever made the edits", () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    const note = row.querySelector(".hcw-note")!;
    expect(note.textContent).toBe("");
    // A prior at 7, then a cell narrows depth to [2, 5]: the state carries the note, no edit of
    // the row's own is needed.
    const prior = { depth: { value: 7, confidence: "medium" } };
    const said = "the prior on 'depth' at 7 lies outside the current range [2, 5]: it now acts truncated to it";
    model.deliver({ type: "delta", state: { ...state({ version: 2, ranges: { lr: [1e-4, 1], depth: [2, 5] }, priors: prior }), notes: { depth: said } } });
    expect(note.textContent).toBe(said);
    model.deliver({ type: "delta", state: { ...state({ version: 3, priors: prior }), notes: {} } });
    expect(note.textContent).toBe("");
  });

  it("an inline error clears when the state it is about changes, from anywhere", async () => {
    const { model, el } = setup();
    const row = el.querySelector('[data-param="depth"]')!;
    drag(row.querySelector(".hcw-prior-marker")!, 20);
    model.ack("edit", false, "prior depth: outside the current range");
    await frame();
    expect(row.querySelector(".hcw-error")!.textContent).toContain("outside");
    // another row's change leaves it
    model.deliver({ type: "delta", state: state({ version: 1, ranges: { lr: [1e-3, 1], depth: [2, 16] } }) });
    expect(row.querySelector(".hcw-error")!.textContent).toContain("outside");
    // this row's range changes (say, from a cell): the complaint is stale
    model.deliver({ type: "delta", state: state({ version: 2, ranges: { lr: [1e-3, 1], depth: [2, 10] } }) });
    expect(row.querySelector(".hcw-error")!.textContent).toBe("");
  });
});

describe("SpaceEditor: histograms", () => {
  it("gives a small integer range one bar per value, centred on it", async () => {
    const { model, el } = setup();
    model.deliver({ type: "delta", samples: [[2, "a", 0.1], [16, "a", 0.1], [16, "a", 0.1], [9, "a", 0.1]] });
    await frame();
    const bars = [...el.querySelectorAll('[data-param="depth"] .hcw-hist-bar')];
    expect(bars).toHaveLength(15); // 2..16
    const counts = bars.map((b) => Number(b.getAttribute("data-count")));
    expect([counts[0], counts[4], counts[7], counts[14]]).toEqual([1, 1, 1, 2]); // 6 from the snapshot
    const centre = (b: Element) => Number(b.getAttribute("x")) + Number(b.getAttribute("width")) / 2;
    expect(centre(bars[0])).toBeCloseTo(10);
    expect(centre(bars[14])).toBeCloseTo(290);
  });

  it("keeps a few integers' end bars inside the box", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    const degree: ParamSpec = { ...depth, name: "degree", low: 2, high: 5, default: 3 };
    model.deliver({ type: "snapshot", names: ["degree"], space: { params: [degree] }, state: state() });
    const bars = [...el.querySelectorAll('[data-param="degree"] .hcw-hist-bar')];
    expect(bars).toHaveLength(4);
    expect(Number(bars[0].getAttribute("x"))).toBeGreaterThanOrEqual(0);
    expect(Number(bars[3].getAttribute("x")) + Number(bars[3].getAttribute("width"))).toBeLessThanOrEqual(300);
  });
});

describe("SpaceEditor: the unset prior marker", () => {
  it("stands in the current range: at the default while it lies there, else the middle", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["depth"], space: { params: [depth] }, state: state() });
    const row = el.querySelector<HTMLElement>('[data-param="depth"]')!;
    const markerX = () => Number(/translate\(([-\d.]+)/.exec(row.querySelector(".hcw-prior-marker")!.getAttribute("transform")!)![1]);
    const at6 = markerX(); // the default, 6
    expect(at6).toBeCloseTo(10 + ((6 - 2) / 14) * 280);
    model.deliver({ type: "delta", state: state({ version: 2, ranges: { lr: [1e-4, 1], depth: [10, 16] } }) });
    expect(markerX()).toBeCloseTo(10 + ((13 - 2) / 14) * 280); // 6 lies outside: the middle, 13
  });
});

describe("prior health", () => {
  const health = (over: Record<string, unknown> = {}) => ({
    n_inside: 8, n_outside: 20, median_inside: 0.031, median_outside: 0.045, auc: 0.72,
    looks_wrong: false, weight: 0.4, message: null, ...over,
  });
  const line = (el: Element) => el.querySelector<HTMLElement>('[data-param="lr"] .hcw-prior-health')!;

  it("says nothing without a prior, then what the evidence says as it arrives", () => {
    const { model, el } = setup();
    expect(line(el).dataset.state).toBe("none");
    const prior = { priors: { lr: { value: 0.01, confidence: "medium" } }, version: 1 };
    model.deliver({ type: "delta", state: state(prior), health: { lr: health({ auc: null, n_inside: 1, n_outside: 2 }) } });
    expect(line(el).dataset.state).toBe("waiting");
    expect(line(el).textContent).toBe("evidence for the prior: 1 trial near it so far, too few to judge");
    model.deliver({ type: "delta", health: { lr: health({ auc: null, n_inside: 4, n_outside: 1 }) } });
    expect(line(el).textContent).toBe("evidence for the prior: 1 trial elsewhere so far, too few to compare");
    model.deliver({ type: "delta", health: { lr: health() } });
    expect(line(el).dataset.state).toBe("ok");
    expect(line(el).textContent).toBe("trials near the prior do better (they beat a trial elsewhere 72% of the time, a tie counted as half): median 0.031 near it (8) vs 0.045 elsewhere (20)");
    // Its own line is fine, but the model's choices now beat the prior's draws: the kernel says so.
    const leads = "trials drawn from your priors now do worse than the rest, the model's own choices included (5 drawn, 35 others); its weight is fading and the model leads";
    model.deliver({ type: "delta", health: { lr: health({ message: leads }) } });
    expect(line(el).dataset.state).toBe("ok");
    expect(line(el).textContent).toBe(`trials near the prior do better (they beat a trial elsewhere 72% of the time, a tie counted as half): median 0.031 near it (8) vs 0.045 elsewhere (20); ${leads}`);
    // Equal medians (an error count takes few values): the AUC decides, and says so, or the line
    // says neither.
    model.deliver({ type: "delta", health: { lr: health({ auc: 0.52, median_inside: 0.09, median_outside: 0.09 }) } });
    expect(line(el).textContent).toBe("trials near the prior do about as well as elsewhere: median 0.09 near it (8) vs 0.09 elsewhere (20)");
    model.deliver({ type: "delta", health: { lr: health({ auc: 0.4, median_inside: 0.09, median_outside: 0.09 }) } });
    expect(line(el).dataset.state).toBe("worse");
    expect(line(el).textContent).toBe("trials near the prior do a little worse (they beat a trial elsewhere 40% of the time, a tie counted as half): median 0.09 near it (8) vs 0.09 elsewhere (20)");
  });

  it("puts the kernel's sentence forward when the belief looks wrong, and hides it once cleared", () => {
    const { model, el } = setup();
    const message = "trials near your prior on lr are worse than elsewhere (8 inside, 20 outside); its weight is fading";
    model.deliver({ type: "delta", state: state({ priors: { lr: { value: 0.5, confidence: "high" } }, version: 1 }),
      health: { lr: health({ auc: 0.2, looks_wrong: true, message, median_inside: 0.09 }) } });
    expect(line(el).dataset.state).toBe("wrong");
    expect(line(el).textContent).toContain(message);
    expect(line(el).textContent).toContain("; median 0.09 near it vs 0.045 elsewhere");
    // The prior is cleared: the state arrives, and the row says nothing even before new health.
    model.deliver({ type: "delta", state: state({ version: 2 }) });
    expect(line(el).dataset.state).toBe("none");
    expect(line(el).textContent).toBe("");
  });
});
