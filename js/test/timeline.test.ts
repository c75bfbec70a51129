import { afterEach, describe, expect, it } from "vitest";
import view, { lanes, position } from "../src/timeline";
import { FakeModel, mount } from "./fake_model";

const { render } = view;

afterEach(() => document.body.replaceChildren());

const snapshot = {
  type: "snapshot",
  domain: [-0.5, 19.5],
  marks: [
    [1, 4.5, "narrow", "code", "#1 narrowed C to [1, 20] [code]"],
    [2, 9.5, "prior", "widget", "#2 stated a high-confidence prior gamma ≈ 0.3 [widget]"],
  ],
};

describe("TimelineStrip", () => {
  it("asks for a snapshot and places one mark per event on the trial axis", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    expect(model.sent).toEqual([{ type: "snapshot" }]);
    model.deliver(snapshot);
    const marks = el.querySelectorAll<HTMLElement>(".hcw-tl-mark");
    expect([...marks].map((m) => m.dataset.seq)).toEqual(["1", "2"]);
    expect(marks[0].style.left).toBe("25%");
    expect(marks[1].dataset.kind).toBe("prior");
    expect(marks[1].title).toContain("prior gamma");
  });

  it("takes the cost curve's margins from the snapshot, so the marks stand under its trials", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({ ...snapshot, margin: { left: 72, right: 16 } });
    const track = el.querySelector<HTMLElement>(".hcw-tl-track")!;
    expect(track.style.marginLeft).toBe("72px");
    expect(track.style.marginRight).toBe("16px");
  });

  it("adds marks from deltas and moves every mark when the domain grows", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver(snapshot);
    model.deliver({ type: "delta", marks: [[3, 14.5, "pin", "code", "#3 pinned kernel = rbf [code]"]] });
    model.deliver({ type: "delta", marks: [], domain: [-0.5, 39.5] });
    const marks = el.querySelectorAll<HTMLElement>(".hcw-tl-mark");
    expect(marks.length).toBe(3);
    expect(marks[0].style.left).toBe("12.5%");
    expect(marks[2].style.left).toBe("37.5%");
  });

  it("opens an event's details on click, and says why when the kernel cannot", async () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver(snapshot);
    el.querySelector<HTMLElement>('.hcw-tl-mark[data-seq="2"]')!.click();
    expect(model.last()).toMatchObject({ type: "details", seq: 2 });
    model.ack("details", true, null, { seq: 2, text: "#2 prior\nFirst trial under it: #10." });
    await Promise.resolve();
    expect(el.querySelector(".hcw-tl-details")!.textContent).toContain("First trial under it: #10.");
    expect(el.querySelector(".hcw-selected")!.getAttribute("data-seq")).toBe("2");
    el.querySelector<HTMLElement>('.hcw-tl-mark[data-seq="1"]')!.click();
    model.ack("details", false, "no steering event #1");
    await Promise.resolve();
    expect(el.querySelector(".hcw-tl-details")!.classList.contains("hcw-error")).toBe(true);
  });

  it("clamps positions to the track", () => {
    expect(position(50, [-0.5, 9.5])).toBe(100);
    expect(position(-3, [-0.5, 9.5])).toBe(0);
  });

  it("moves marks that would draw over each other down a lane, and grows the track to hold them", () => {
    const model = new FakeModel();
    const { el } = mount(render, model);
    model.deliver({
      ...snapshot,
      marks: [
        ...snapshot.marks,
        [3, 9.5, "pin", "code", "#3 pinned kernel = rbf [code]"],
        [4, 9.5, "narrow", "code", "#4 narrowed gamma [code]"],
      ],
    });
    const lane = (seq: number) =>
      el.querySelector<HTMLElement>(`.hcw-tl-mark[data-seq="${seq}"]`)!.dataset.lane;
    expect([lane(1), lane(2), lane(3), lane(4)]).toEqual(["0", "0", "1", "2"]);
    const track = el.querySelector<HTMLElement>(".hcw-tl-track")!;
    expect(parseFloat(track.style.height)).toBeGreaterThan(
      parseFloat(el.querySelector<HTMLElement>('.hcw-tl-mark[data-seq="4"]')!.style.top),
    );
  });

  it("takes a lane back once the marks are far enough apart, and stops at the last lane", () => {
    // 600 px wide: 1 % is 6 px, so marks 2 % apart share a lane and 1 % apart do not.
    expect(lanes([10, 11, 13, 14], 600)).toEqual([0, 1, 0, 1]);
    expect(lanes([50, 50, 50, 50, 50, 50], 600, 12, 3)).toEqual([0, 1, 2, 0, 1, 2]);
    // Order does not matter: the leftmost keeps the top lane.
    expect(lanes([14, 10], 600)).toEqual([0, 0]);
    expect(lanes([11, 10], 600)).toEqual([1, 0]);
  });
});
