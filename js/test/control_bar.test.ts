import { afterEach, describe, expect, it } from "vitest";
import view from "../src/control_bar";
import { FakeModel, frame, mount } from "./fake_model";

// The view is reached through its default export only, as anywidget does.
const { render } = view;

const status = (over: Record<string, unknown> = {}) => ({
  type: "snapshot", status: "running", reason: null, counts: { total: 4, running: 1, complete: 2, failed: 1, pruned: 0 },
  budget: 10, done: 3, done_at_start: 0, step_remaining: null, best_value: 0.125,
  best_trial_number: 2, started_at: 1000, now: 1030, metric: "value", direction: "minimize", ...over,
});

afterEach(() => document.body.replaceChildren());

describe("ControlBar", () => {
  it("asks for a snapshot on render and follows the run's status", () => {
    const model = new FakeModel({ n_trials: 50, step_trials: 2 });
    const { el } = mount(render, model);
    expect(model.sent).toEqual([{ type: "snapshot" }]);
    model.deliver(status());
    const btn = (a: string) => el.querySelector<HTMLButtonElement>(`button[data-action="${a}"]`)!;
    expect(el.querySelector(".hcw-control-bar")!.getAttribute("data-status")).toBe("running");
    expect([btn("start").disabled, btn("pause").disabled, btn("resume").disabled, btn("stop").disabled]).toEqual([true, false, true, false]);
    expect(el.querySelector(".hcw-progress-text")!.textContent).toBe("3 / 10 trials");
    expect(el.querySelector<HTMLElement>(".hcw-progress-fill")!.style.width).toBe("30%");
    expect(el.querySelector(".hcw-best")!.textContent).toBe("best 0.125 (#2)");
    expect(el.querySelector(".hcw-failures")!.textContent).toBe("failures 1");
    expect(el.querySelector(".hcw-elapsed")!.textContent).toMatch(/^elapsed 0:3\d$/);
    expect(el.querySelector(".hcw-eta")!.textContent).toMatch(/^ETA 1:1\d$/);
    model.deliver({ type: "delta", status: "paused", now: 1031 });
    expect([btn("resume").disabled, btn("step").disabled, btn("pause").disabled]).toEqual([false, false, true]);
    expect(el.querySelector(".hcw-progress-text")!.textContent).toBe("3 / 10 trials");
  });

  it("leaves time spent paused out of the elapsed time and the ETA's pace", () => {
    const model = new FakeModel({ n_trials: 50, step_trials: 2 });
    const { el } = mount(render, model);
    // 30 s since the start, 20 of them paused: 3 trials in 10 s of running, 7 left.
    model.deliver(status({ paused_total: 20, paused_since: null }));
    expect(el.querySelector(".hcw-elapsed")!.textContent).toMatch(/^elapsed 0:1\d$/);
    expect(el.querySelector(".hcw-eta")!.textContent).toMatch(/^ETA 0:2\d$/);
    // Paused since 1020: the clock stops there however long the pause lasts.
    model.deliver({ type: "delta", status: "paused", paused_total: 0, paused_since: 1020, now: 1030 });
    expect(el.querySelector(".hcw-elapsed")!.textContent).toBe("elapsed 0:20");
    expect(el.querySelector(".hcw-eta")!.textContent).toBe("ETA –");
  });

  it("sends controls with their counts and shows a refusal inline", async () => {
    const model = new FakeModel({ n_trials: 50, step_trials: 2 });
    const { el } = mount(render, model);
    model.deliver(status({ status: "idle", started_at: null, budget: null, done: 0 }));
    el.querySelector<HTMLButtonElement>('button[data-action="start"]')!.click();
    const req = model.ack("control", false, "already running: start() does nothing");
    expect(req).toMatchObject({ type: "control", op: "start", args: { n_trials: 50 } });
    await frame();
    expect(el.querySelector(".hcw-error")!.textContent).toContain("already running");
    el.querySelector<HTMLButtonElement>('button[data-action="step"]')!.click();
    expect(model.ack("control", true)).toMatchObject({ op: "step", args: { n: 2 } });
    await frame();
    expect(el.querySelector(".hcw-error")!.textContent).toBe("");
  });

  it("shows the run's totals, its budget and a step in progress", () => {
    const model = new FakeModel({ n_trials: 80, step_trials: 1 });
    const { el } = mount(render, model);
    // 30 trials before this start; 12 of the 50 asked for are done: ETA from the new ones only.
    model.deliver(status({ budget: 80, done: 42, done_at_start: 30, counts: { total: 43, running: 1, complete: 42, failed: 0, pruned: 0 } }));
    expect(el.querySelector(".hcw-progress-text")!.textContent).toBe("42 / 80 trials");
    expect(el.querySelector(".hcw-eta")!.textContent).toMatch(/^ETA 1:35$/);
    expect(el.querySelector<HTMLInputElement>("input.hcw-n-trials")!.value).toBe("80");
    model.deliver({ type: "delta", step_remaining: 2, now: 1031 });
    expect(el.querySelector(".hcw-status")!.textContent).toBe("stepping (2 left)");
    // The run pauses after the step: its ETA is the step's 2 trials, not the budget's 38.
    expect(el.querySelector(".hcw-eta")!.textContent).toMatch(/^ETA 0:0\d$/);
    // The last of the step started and still runs: its time is left, not none.
    model.deliver({ type: "delta", step_remaining: 0, now: 1031 });
    expect(el.querySelector(".hcw-eta")!.textContent).toMatch(/^ETA 0:0[1-9]$/);
    model.deliver({ type: "delta", status: "finished", step_remaining: null, now: 1032 });
    const start = el.querySelector<HTMLButtonElement>('button[data-action="start"]')!;
    expect([start.textContent, start.disabled]).toEqual(["Run more", false]);
    model.deliver({ type: "delta", status: "stopped", reason: "stopped by request", now: 1033 });
    expect(el.querySelector(".hcw-status")!.getAttribute("title")).toBe("stopped by request");
    expect(start.disabled).toBe(false);
  });

  it("sends no trial count when the field is empty (the kernel asks for one)", () => {
    const model = new FakeModel({ n_trials: null, step_trials: 1 });
    const { el } = mount(render, model);
    model.deliver(status({ status: "idle", budget: null, done: 0 }));
    const input = el.querySelector<HTMLInputElement>("input.hcw-n-trials")!;
    expect([input.value, input.placeholder]).toEqual(["", "trials"]);
    el.querySelector<HTMLButtonElement>('button[data-action="start"]')!.click();
    expect(model.ack("control", false, "say how many trials to run")).toMatchObject({ op: "start", args: {} });
  });

  it("writes the trial counts back to the model and cleans up", () => {
    const model = new FakeModel({ n_trials: 50, step_trials: 2 });
    const { el, cleanup } = mount(render, model);
    const input = el.querySelector<HTMLInputElement>("input.hcw-n-trials")!;
    input.value = "200";
    input.dispatchEvent(new Event("change"));
    expect(model.get("n_trials")).toBe(200);
    expect(model.saves).toBe(1);
    cleanup();
    expect(model.listeners("msg:custom")).toBe(0);
    expect(el.querySelector(".hcw-control-bar")).toBeNull();
  });
});
