import { afterEach, describe, expect, it, vi } from "vitest";
import view, { NOTICE_MS, ROW_HEIGHT } from "../src/trial_table";
import { FakeModel, frame, mount } from "./fake_model";

// The view is reached through its default export only, as anywidget does.
const { render } = view;

const STATES = ["c", "c", "f", "r"];
function rows(n: number) {
  // [n, state, value, origin, review, version, duration, params, err]
  return Array.from({ length: n }, (_, i) => [i, STATES[i % 4], STATES[i % 4] === "c" ? (i * 7919) % 1000 / 10 : null, "m", null, 0, 0.5, [i % 16, "a"], STATES[i % 4] === "f" ? 1 : 0]);
}

function setup(n = 10_000) {
  const model = new FakeModel();
  const { el, cleanup } = mount(render, model);
  model.deliver({ type: "snapshot", names: ["depth", "loss"], direction: "minimize", rows: rows(n) });
  return { model, el, cleanup };
}

const shown = (el: HTMLElement) => [...el.querySelectorAll<HTMLElement>(".hcw-row")].map((r) => Number(r.dataset.number));

afterEach(() => document.body.replaceChildren());

describe("TrialTable", () => {
  it("renders only the visible rows of 10,000", async () => {
    const { model, el } = setup();
    expect(model.sent[0]).toEqual({ type: "snapshot" });
    await frame();
    const n = shown(el).length;
    expect(n).toBeGreaterThan(5);
    expect(n).toBeLessThan(40);
    expect(el.querySelector(".hcw-row-count")!.textContent).toBe("10000 of 10000 trials");
    expect(el.querySelector<HTMLElement>(".hcw-spacer")!.style.height).toBe(`${10_000 * ROW_HEIGHT}px`);
    const vp = el.querySelector<HTMLElement>(".hcw-viewport")!;
    vp.scrollTop = 5000 * ROW_HEIGHT;
    vp.dispatchEvent(new Event("scroll"));
    await frame();
    expect(shown(el)).toContain(5000);
    expect(shown(el)).not.toContain(0);
  });

  it("sorts by any column and filters by state and review", async () => {
    const { model, el } = setup(200);
    await frame();
    el.querySelector<HTMLElement>('.hcw-th[data-col="value"]')!.click();
    await frame();
    const values = shown(el).slice(0, 5).map((n) => ((n * 7919) % 1000) / 10);
    expect(values).toEqual([...values].sort((a, b) => a - b));
    el.querySelector<HTMLElement>('.hcw-th[data-col="value"]')!.click();
    await frame();
    expect(el.querySelector('.hcw-th[data-col="value"]')!.getAttribute("data-sort")).toBe("desc");
    const sel = el.querySelector<HTMLSelectElement>(".hcw-filter-state")!;
    sel.value = "failed";
    sel.dispatchEvent(new Event("change"));
    await frame();
    expect(shown(el).every((n) => n % 4 === 2)).toBe(true);
    expect(el.querySelector(".hcw-row-count")!.textContent).toBe("50 of 200 trials");
    sel.value = "";
    sel.dispatchEvent(new Event("change"));
    model.deliver({ type: "delta", rows: [[1, "c", 3.5, "m", "x", 0, 0.5, null, 0]] });
    const rev = el.querySelector<HTMLSelectElement>(".hcw-filter-review")!;
    rev.value = "rejected";
    rev.dispatchEvent(new Event("change"));
    await frame();
    expect(shown(el)).toEqual([1]);
    // the delta said params were unchanged: the row keeps those of the snapshot
    expect(el.querySelector('.hcw-row[data-number="1"]')!.textContent).toContain("a");
    expect(el.querySelector('.hcw-row[data-number="1"]')!.getAttribute("data-review")).toBe("rejected");
  });

  it("sends accept / reject / undo per row", async () => {
    const { model, el } = setup(20);
    await frame();
    el.querySelector<HTMLButtonElement>('.hcw-row[data-number="4"] button[data-action="reject"]')!.click();
    expect(model.last()).toMatchObject({ type: "edit", op: "reject", args: { trial: 4 } });
    model.ack("edit", false, "trial 4: no such trial");
    await frame();
    expect(el.querySelector(".hcw-error")!.textContent).toContain("no such trial");
    expect(el.querySelector<HTMLButtonElement>('.hcw-row[data-number="4"] button[data-action="undo"]')!.disabled).toBe(true);
    model.deliver({ type: "delta", rows: [[4, "c", 1, "m", "a", 0, 0.5, null, 0]] });
    await frame();
    el.querySelector<HTMLButtonElement>('.hcw-row[data-number="4"] button[data-action="undo"]')!.click();
    expect(model.last()).toMatchObject({ op: "unreview", args: { trial: 4 } });
  });

  it("opens a row's details and sends its actions", async () => {
    const { model, el } = setup(20);
    await frame();
    el.querySelector<HTMLElement>('.hcw-row[data-number="2"] .hcw-c-value')!.click();
    expect(model.last()).toMatchObject({ type: "details", n: 2 });
    model.ack("details", true, null, {
      number: 2, state: "failed", value: null, params: { depth: 2, loss: "a" }, origin: "model", version: 3,
      error: "Traceback: ValueError: bad",
      score: { log_l: -1.5, log_g: -2.25, acquisition: 0.2, prior_term: 0.05, accepted_term: 0, incumbent_term: 0,
        pull_model: 0.4, counterfactual: { depth: 7, loss: "b" }, n_candidates: 24 },
      steering_event: { seq: 3, kind: "narrow", payload: { name: "depth" }, source: "widget" },
    });
    await frame();
    const panel = el.querySelector<HTMLElement>(".hcw-details")!;
    expect(panel.hidden).toBe(false);
    expect(panel.dataset.number).toBe("2");
    expect(panel.querySelector(".hcw-config")!.textContent).toContain("depth");
    expect(panel.querySelector(".hcw-provenance")!.textContent).toContain("steering version 3");
    expect(panel.querySelector(".hcw-error-text")!.textContent).toContain("ValueError: bad");
    // The score in words, without the terms that played no part or the pulls (the text's).
    expect(panel.querySelector(".hcw-score")!.textContent)
      .toBe("score: acquisition 0.2 · log l(x) -1.5 · log g(x) -2.25 · prior term 0.05");
    expect(panel.querySelector(".hcw-counterfactual")!.textContent)
      .toBe("the model alone would have picked: depth=7, loss=b (of 24 candidates)");
    panel.querySelector<HTMLButtonElement>('button[data-action="enqueue-copy"]')!.click();
    expect(model.last()).toMatchObject({ type: "action", op: "enqueue_copy", n: 2 });
    panel.querySelector<HTMLButtonElement>('button[data-action="use-as-prior"]')!.click();
    expect(model.last()).toMatchObject({ type: "action", op: "use_as_prior", n: 2 });
    panel.querySelector<HTMLButtonElement>('button[data-action="close"]')!.click();
    expect(panel.hidden).toBe(true);
  });

  it("never lets a stale running row replace a finished one", async () => {
    const { model, el } = setup(4);
    model.deliver({ type: "delta", rows: [[0, "r", null, "m", null, 0, null, null, 0]] });
    await frame();
    expect(el.querySelector('.hcw-row[data-number="0"]')!.getAttribute("data-state")).toBe("complete");
  });

  it("assembles a paged snapshot and starts over on a new one (page reload)", async () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    const all = rows(300);
    model.deliver({ type: "snapshot", names: ["depth", "loss"], direction: "minimize", rows: all.slice(0, 100) });
    model.deliver({ type: "page", rows: all.slice(100, 200) });
    model.deliver({ type: "page", rows: all.slice(200) });
    await frame();
    expect(el.querySelector(".hcw-row-count")!.textContent).toBe("300 of 300 trials");
    model.deliver({ type: "snapshot", names: ["depth", "loss"], direction: "minimize", rows: all.slice(0, 10) });
    await frame();
    expect(el.querySelector(".hcw-row-count")!.textContent).toBe("10 of 10 trials");
  });
});

describe("TrialTable: following the run, selection, queue and feedback", () => {
  it("shows the newest first, follows live, and reuses the elements of unchanged rows", async () => {
    const { model, el } = setup(50);
    await frame();
    expect(shown(el)[0]).toBe(49);
    expect(el.querySelector('.hcw-th[data-col="number"]')!.getAttribute("data-sort")).toBe("desc");
    const before = el.querySelector('.hcw-row[data-number="45"]');
    model.deliver({ type: "delta", rows: [[50, "r", null, "m", null, 0, null, [1, "a"], 0]] });
    await frame();
    expect(shown(el)[0]).toBe(50);
    // only the new row was built: the others kept their elements
    expect(el.querySelector('.hcw-row[data-number="45"]')).toBe(before);
    model.deliver({ type: "delta", rows: [[45, "c", 1.5, "m", "a", 0, 0.5, null, 0]] });
    await frame();
    expect(el.querySelector('.hcw-row[data-number="45"]')).not.toBe(before);
  });

  it("keeps the rows in view still when not following", async () => {
    const { model, el } = setup(500);
    await frame();
    const vp = el.querySelector<HTMLElement>(".hcw-viewport")!;
    vp.scrollTop = 100 * ROW_HEIGHT; // trial 399 at the top of the window
    vp.dispatchEvent(new Event("scroll"));
    await frame();
    expect(el.querySelector<HTMLInputElement>(".hcw-follow")!.checked).toBe(false);
    model.deliver({ type: "delta", rows: [[500, "r", null, "m", null, 0, null, [1, "a"], 0], [501, "r", null, "m", null, 0, null, [1, "a"], 0]] });
    await frame();
    expect(vp.scrollTop).toBe(102 * ROW_HEIGHT);
  });

  it("names the metric, gives units, and headers room to be read", async () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ type: "snapshot", names: ["learning_rate"], direction: "minimize", metric: "CV error", rows: rows(3) });
    await frame();
    const label = (c: string) => el.querySelector(`.hcw-th[data-col="${c}"]`)!.textContent;
    expect(label("value")).toBe("CV error");
    expect(label("duration")).toBe("duration (s)");
    expect(label("version")).toBe("version");
    const cols = el.querySelector<HTMLElement>(".hcw-header")!.style.gridTemplateColumns.split(" ");
    // ~7 px a character of a 12 px bold label, plus padding and the sort arrow
    expect(parseInt(cols[6], 10)).toBeGreaterThanOrEqual("duration (s)".length * 7 + 16);
    expect(parseInt(cols[5], 10)).toBeGreaterThanOrEqual("version".length * 7 + 16);
  });

  it("rounds numbers in the details, keeps them in full for copying, and says what an action did", async () => {
    const { model, el } = setup(20);
    await frame();
    el.querySelector<HTMLElement>('.hcw-row[data-number="3"] .hcw-c-state')!.click();
    expect(model.get("selected")).toBe(3);
    expect(model.saves).toBe(1);
    model.ack("details", true, null, { number: 3, state: "complete", value: 0.123456789, params: { lr: 0.000123456789, loss: "a" }, origin: "model", version: 0, duration: 1.23456 });
    await frame();
    const val = el.querySelector<HTMLElement>('.hcw-details .hcw-val')!;
    expect(val.textContent).toBe("1.235e-4");
    expect(val.dataset.full).toBe("0.000123456789");
    expect(el.querySelector('.hcw-row[data-number="3"]')!.classList.contains("hcw-selected")).toBe(true);
    const btn = el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="enqueue-copy"]')!;
    btn.click();
    expect(btn.disabled).toBe(true);
    model.ack("action", true, null, { queue: 2 });
    await frame();
    expect(btn.disabled).toBe(false);
    expect(el.querySelector(".hcw-notice")!.textContent).toContain("enqueued: it runs next (2 in the queue)");
    const said = () => el.querySelector(".hcw-details .hcw-action-note")!.textContent;
    expect(said()).toBe("");
    btn.click();
    model.ack("action", true, null, { queue: 3, note: "'lr' = 0.5 lies outside the current range [0.001, 0.1]: it runs as given" });
    await frame();
    expect(el.querySelector(".hcw-notice")!.textContent).toBe("Trial 3's configuration enqueued: it runs next (3 in the queue).");
    // The warning stands beside the buttons clicked, not in the fading line above the table.
    expect(said()).toBe("Note: 'lr' = 0.5 lies outside the current range [0.001, 0.1]: it runs as given.");
    el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="use-as-prior"]')!.click();
    model.ack("action", true, null, { note: "parameter 'lr' is pinned at 0.01: the prior acts once it is unpinned" });
    await frame();
    expect(el.querySelector(".hcw-notice")!.textContent).toBe("Priors set at trial 3's values.");
    expect(said()).toBe("Note: parameter 'lr' is pinned at 0.01: the prior acts once it is unpinned.");
    // One click replaces every prior the person had: it says which, and how to get them back.
    el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="use-as-prior"]')!.click();
    model.ack("action", true, null, { replaced: ["lr"] });
    await frame();
    expect(el.querySelector(".hcw-notice")!.textContent).toBe(
      "Priors set at trial 3's values. They replace your priors on lr; undo brings those back.");
    btn.click();
    model.ack("action", true, null, { queue: 4 });
    await frame();
    expect(said()).toBe(""); // the next action's answer replaces it
  });

  it("lets what an action did fade, and keeps an error", async () => {
    const { model, el } = setup(20);
    await frame();
    el.querySelector<HTMLElement>('.hcw-row[data-number="3"] .hcw-c-state')!.click();
    model.ack("details", true, null, { number: 3, state: "complete", value: 0.5, params: { lr: 0.01, loss: "a" }, origin: "model", version: 0, duration: 1 });
    await frame();
    vi.useFakeTimers();
    try {
      el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="enqueue-copy"]')!.click();
      model.ack("action", true, null, { queue: 1 });
      await vi.advanceTimersByTimeAsync(40);
      const notice = el.querySelector(".hcw-notice")!;
      expect(notice.textContent).toContain("it runs next");
      await vi.advanceTimersByTimeAsync(NOTICE_MS);
      expect(notice.textContent).toBe(""); // it ran long ago, perhaps: the line does not stay
      el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="enqueue-copy"]')!.click();
      model.ack("action", true, null, { queue: 1, note: "'lr' = 0.01 while it is pinned at 0.1: it runs as given" });
      await vi.advanceTimersByTimeAsync(NOTICE_MS + 40);
      expect(notice.textContent).toBe(""); // "(1 in the queue)" would be stale by now
      expect(el.querySelector(".hcw-action-note")!.textContent).toContain("while it is pinned"); // the warning stays
      el.querySelector<HTMLButtonElement>('.hcw-details button[data-action="use-as-prior"]')!.click();
      model.ack("action", false, "parameter 'lr': pinned");
      await vi.advanceTimersByTimeAsync(NOTICE_MS + 40);
      expect(el.querySelector(".hcw-error")!.textContent).toContain("pinned");
    } finally {
      vi.useRealTimers();
    }
  });

  it("shows the queue and clears it", async () => {
    const { model, el } = setup(5);
    await frame();
    const box = el.querySelector<HTMLElement>(".hcw-queue")!;
    expect(box.hidden).toBe(true);
    model.deliver({ type: "delta", queue: [{ id: 4, config: { depth: 3, loss: "a" } }, { id: 5, config: { depth: 7, loss: "b" } }] });
    expect(box.hidden).toBe(false);
    expect([...box.querySelectorAll("li")].map((li) => li.textContent)).toEqual(["depth=3, loss=a", "depth=7, loss=b"]);
    box.querySelector<HTMLButtonElement>('button[data-action="clear-queue"]')!.click();
    expect(model.last()).toMatchObject({ type: "action", op: "clear_queue" });
    model.ack("action", false, "pause the run to clear the queue");
    await frame();
    expect(el.querySelector(".hcw-error")!.textContent).toContain("pause the run");
    model.deliver({ type: "delta", queue: [] });
    expect(box.hidden).toBe(true);
  });

  it("selects the row the kernel selects (a click on the cost curve), scrolled into view", async () => {
    const { model, el } = setup(2000);
    await frame();
    model.set("selected", 100);
    expect(model.last()).toMatchObject({ type: "details", n: 100 });
    await frame();
    const row = el.querySelector('.hcw-row[data-number="100"]')!;
    expect(row.classList.contains("hcw-selected")).toBe(true);
    expect(row.getAttribute("aria-selected")).toBe("true");
    expect(model.saves).toBe(0); // the kernel's own choice is not sent back
  });
});
