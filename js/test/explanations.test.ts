// Issue 11 in the views: the trial's explanation atop its details, and ghost markers (the
// preview of an edit) on a space editor track while a handle is held.
import { afterEach, describe, expect, it } from "vitest";
import editor, { type ParamSpec } from "../src/space_editor";
import table from "../src/trial_table";
import { GHOST_DEBOUNCE_MS, GHOST_N } from "../src/ghosts";
import { FakeModel, frame, mount } from "./fake_model";

const lr: ParamSpec = { name: "lr", kind: "float", low: 1e-4, high: 1, log: true, step: null, choices: null, default: 0.01, condition: null };
const depth: ParamSpec = { name: "depth", kind: "int", low: 2, high: 16, log: false, step: null, choices: null, default: 6, condition: null };

const rest = () => new Promise((r) => setTimeout(r, GHOST_DEBOUNCE_MS + 60));

function setupEditor() {
  const model = new FakeModel();
  const { el } = mount(editor.render, model);
  const state = { version: 0, ranges: { lr: [1e-4, 1], depth: [2, 16] }, allowed: {}, pins: {}, priors: {} };
  model.deliver({ type: "snapshot", names: ["depth", "lr"], space: { params: [depth, lr] }, state, samples: [] });
  for (const svg of el.querySelectorAll<SVGSVGElement>("svg.hcw-track")) {
    svg.getBoundingClientRect = () => ({ left: 0, top: 0, width: 300, height: 62, right: 300, bottom: 62, x: 0, y: 0, toJSON: () => ({}) });
  }
  return { model, el };
}

const previews = (model: FakeModel) => model.sent.filter((m) => m.type === "preview");
const ghosts = (el: HTMLElement, name: string) => [...el.querySelectorAll<SVGElement>(`[data-param="${name}"] .hcw-ghost`)];
const answer = (model: FakeModel, req: any, ok: boolean, points: unknown[][] = [], origins?: string[]) =>
  model.deliver({ type: "ack", id: req.id, ok, error: ok ? null : "refused", result: ok ? { names: ["depth", "lr"], points, origins: origins ?? points.map(() => "model") } : undefined });

function press(handle: Element, x = 0) {
  handle.dispatchEvent(new MouseEvent("pointerdown", { bubbles: true, clientX: x }));
}
const moveTo = (x: number) => window.dispatchEvent(new MouseEvent("pointermove", { clientX: x }));
const release = (x: number) => window.dispatchEvent(new MouseEvent("pointerup", { clientX: x }));

afterEach(() => document.body.replaceChildren());

describe("ghost markers while a handle is held", () => {
  it("previews the narrow a drag would make, once it rests, and draws that row's values", async () => {
    const { model, el } = setupEditor();
    const high = el.querySelector('[data-param="depth"] .hcw-handle-high')!;
    press(high, 290);
    moveTo(250);
    moveTo(200);
    expect(previews(model)).toHaveLength(0); // not while it moves
    await rest();
    expect(previews(model)).toHaveLength(1); // the two moves made one request
    const req = previews(model)[0];
    expect(req).toMatchObject({ op: "narrow", n: GHOST_N, args: { name: "depth", low: 2 } });
    expect(req.args.high).toBeLessThan(16);
    answer(model, req, true, [[4, 0.01], [4, 0.02], [7, 0.1], [null, 0.3], [9, 0.5]]);
    await frame();
    const marks = ghosts(el, "depth");
    expect(marks.map((m) => Number(m.dataset.value))).toEqual([4, 4, 7, 9]); // inactive (null) skipped
    expect(new Set(marks.map((m) => m.getAttribute("cy"))).size).toBe(2); // the two 4s stack
    expect(ghosts(el, "lr")).toHaveLength(0); // only the held row's parameter
    expect(el.querySelectorAll(".hcw-ghost-queued")).toHaveLength(0);
    // Hollow, and no obstacle to the drag.
    expect(el.querySelector('[data-param="depth"] .hcw-ghosts')!.getAttribute("pointer-events")).toBe("none");
    release(200);
    expect(ghosts(el, "depth")).toHaveLength(0);
    expect(model.last()).toMatchObject({ type: "edit", op: "narrow" });
  });

  it("draws a queued configuration apart: it runs as given, outside the narrow or not", async () => {
    const { model, el } = setupEditor();
    press(el.querySelector('[data-param="depth"] .hcw-handle-low')!, 10);
    moveTo(150);
    await rest();
    const [req] = previews(model);
    answer(model, req, true, [[3, 0.01], [12, 0.02]], ["enqueued", "model"]);
    await frame();
    const queued = el.querySelectorAll<SVGElement>('[data-param="depth"] .hcw-ghost-queued');
    expect([...queued].map((m) => m.dataset.value)).toEqual(["3"]);
    expect(queued[0].textContent).toBe("a queued configuration runs as given: 3");
    expect(ghosts(el, "depth")).toHaveLength(2);
    release(150);
  });

  it("draws only the newest answer, nothing after release, nothing for a refusal", async () => {
    const { model, el } = setupEditor();
    const low = el.querySelector('[data-param="lr"] .hcw-handle-low')!;
    press(low, 10);
    moveTo(60);
    await rest();
    moveTo(120);
    await rest();
    const [first, second] = previews(model);
    expect(second.args.low).toBeGreaterThan(first.args.low);
    answer(model, first, true, [[3, 0.001]]); // stale: the handle moved on
    await frame();
    expect(ghosts(el, "lr")).toHaveLength(0);
    answer(model, second, true, [[3, 0.002]]);
    await frame();
    expect(ghosts(el, "lr")).toHaveLength(1);
    moveTo(125);
    await rest();
    answer(model, previews(model)[2], false); // refused: the old ghosts go, no new ones
    await frame();
    expect(ghosts(el, "lr")).toHaveLength(0);
    moveTo(130);
    await rest();
    const fourth = previews(model)[3];
    release(130);
    answer(model, fourth, true, [[3, 0.05]]); // arrived after release
    await frame();
    expect(ghosts(el, "lr")).toHaveLength(0);
  });

  it("previews a prior being placed, with its confidence, and clears on cancel", async () => {
    const { model, el } = setupEditor();
    const row = el.querySelector('[data-param="lr"]')!;
    row.querySelector<HTMLSelectElement>(".hcw-confidence")!.value = "high";
    press(row.querySelector(".hcw-prior-marker")!, 150);
    moveTo(150);
    await rest();
    const req = previews(model)[0];
    expect(req).toMatchObject({ op: "prior", args: { name: "lr", confidence: "high" } });
    expect(req.args.value).toBeCloseTo(0.01, 3);
    answer(model, req, true, [[3, 0.01], [5, 0.012]]);
    await frame();
    expect(ghosts(el, "lr")).toHaveLength(2);
    window.dispatchEvent(new MouseEvent("pointercancel"));
    expect(ghosts(el, "lr")).toHaveLength(0);
    expect(model.sent.some((m) => m.type === "edit")).toBe(false);
  });
});

describe("the trial's explanation in its details", () => {
  it("opens the panel with 'Why this trial' and the kernel's text", async () => {
    const model = new FakeModel();
    const { el } = mount(table.render, model);
    model.deliver({ type: "snapshot", names: ["depth"], direction: "minimize", rows: [[0, "c", 0.5, "p", null, 1, 0.1, [4], 0]] });
    await frame();
    el.querySelector<HTMLElement>('.hcw-row[data-number="0"] .hcw-c-value')!.click();
    const text = "Trial 0 was drawn from your prior on depth (set from code).";
    model.ack("details", true, null, { number: 0, state: "complete", value: 0.5, params: { depth: 4 }, origin: "prior", version: 1, explanation: { text, detail: null } });
    await frame();
    const panel = el.querySelector<HTMLElement>(".hcw-details")!;
    const why = panel.querySelector(".hcw-why")!;
    expect(why.querySelector(".hcw-why-title")!.textContent).toBe("Why this trial");
    expect(why.querySelector(".hcw-why-text")!.textContent).toBe(text);
    // First thing under the title, above the configuration.
    expect(panel.children[1]).toBe(why);
  });

  it("shows no empty box when the kernel sent no explanation", async () => {
    const model = new FakeModel();
    const { el } = mount(table.render, model);
    model.deliver({ type: "snapshot", names: ["depth"], direction: "minimize", rows: [[0, "c", 0.5, "m", null, 0, 0.1, [4], 0]] });
    await frame();
    el.querySelector<HTMLElement>('.hcw-row[data-number="0"] .hcw-c-value')!.click();
    model.ack("details", true, null, { number: 0, state: "complete", value: 0.5, params: { depth: 4 }, origin: "model", version: 0 });
    await frame();
    expect(el.querySelector(".hcw-details .hcw-config")).not.toBeNull();
    expect(el.querySelector(".hcw-why")).toBeNull();
  });
});
