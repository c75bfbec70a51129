import { afterEach, describe, expect, it, vi } from "vitest";
import { Channel, REQUEST_TIMEOUT_MS } from "../src/base";
import view from "../src/trial_table";
import { FakeModel, mount } from "./fake_model";

afterEach(() => {
  vi.useRealTimers();
  document.body.replaceChildren();
});

describe("Channel", () => {
  it("answers a request that gets no ack with a timeout error, and ignores a late ack", async () => {
    vi.useFakeTimers();
    const model = new FakeModel();
    const channel = new Channel(model as any, () => {});
    const answer = channel.edit("pin", { name: "x", value: 1 });
    const req = model.last();
    expect(req).toMatchObject({ type: "edit", op: "pin", args: { name: "x", value: 1 } });
    vi.advanceTimersByTime(REQUEST_TIMEOUT_MS + 1);
    const ack = await answer;
    expect(ack.ok).toBe(false);
    expect(ack.error).toContain("no answer from the kernel");
    model.deliver({ type: "ack", id: req.id, ok: true, error: null }); // too late: nobody waits
    channel.dispose();
  });

  it("matches acks to requests by id", async () => {
    const model = new FakeModel();
    const channel = new Channel(model as any, () => {});
    const a = channel.request("details", { n: 1 });
    const b = channel.request("details", { n: 2 });
    const [ra, rb] = model.sent;
    model.deliver({ type: "ack", id: rb.id, ok: true, error: null, result: "two" });
    model.deliver({ type: "ack", id: ra.id, ok: true, error: null, result: "one" });
    expect((await a).result).toBe("one");
    expect((await b).result).toBe("two");
  });
});

describe("a view's button comes back after an unanswered request", () => {
  it("re-enables the table's action button and says why", async () => {
    vi.useFakeTimers();
    const model = new FakeModel();
    const { el } = mount(view.render, model);
    model.deliver({ type: "snapshot", names: ["x"], direction: "minimize", metric: "value", rows: [], queue: [{ id: 1, config: { x: 1 } }] });
    const clear = el.querySelector<HTMLButtonElement>('.hcw-queue button[data-action="clear-queue"]')!;
    clear.click();
    expect(clear.disabled).toBe(true);
    await vi.advanceTimersByTimeAsync(REQUEST_TIMEOUT_MS + 1);
    expect(clear.disabled).toBe(false);
    expect(el.querySelector(".hcw-error")!.textContent).toContain("no answer from the kernel");
  });
});
