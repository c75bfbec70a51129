// A prior's health under its row of the SpaceEditor: how the trials near the belief compare with
// the rest, from the kernel's run.prior_health() (hcautoml_widgets/core/prior_health.py).
//
// Selectors: .hcw-prior-health[data-state="none"|"waiting"|"ok"|"worse"|"wrong"] (hidden when
// the row has no prior); its text says what the evidence is, in words.
import { fmt, type Scalar } from "./base";

export interface Health {
  n_inside: number;
  n_outside: number;
  median_inside: Scalar;
  median_outside: Scalar;
  auc: number | null; // P(a trial near the prior beats one elsewhere); null until 3 on each side
  looks_wrong: boolean;
  weight: number | null; // the prior's exponent now (beta / t times the evidence factor)
  // The kernel's sentence when the belief looks wrong, or when the trials drawn from all the
  // priors together now do worse than the rest (the prior fades although its own line is fine).
  message: string | null;
}

export interface HealthLine {
  state: "none" | "waiting" | "ok" | "worse" | "wrong";
  text: string;
  title: string;
}

/** Within this of one half, the AUC says "about as well" rather than better or worse. */
export const EVEN = 0.05;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? "" : "s"}`;

/** What a row says about its prior's evidence (pure: the row only draws it). */
export function healthLine(hasPrior: boolean, h: Health | undefined): HealthLine {
  if (!hasPrior) return { state: "none", text: "", title: "" };
  const title =
    "Trials near the prior: within one standard deviation of its centre (the favoured choice of a " +
    "categorical). A prior the trials contradict loses its weight; one they support keeps it.";
  if (!h || h.auc === null) {
    // The kernel compares once 3 trials lie on each side (core/prior_health.py MIN_EACH_SIDE).
    const near = h ? h.n_inside : 0;
    const text = near < 3
      ? `evidence for the prior: ${plural(near, "trial")} near it so far, too few to judge`
      : `evidence for the prior: ${plural(h!.n_outside, "trial")} elsewhere so far, too few to compare`;
    return { state: "waiting", text, title };
  }
  const medians = `median ${fmt(h.median_inside)} near it (${h.n_inside}) vs ${fmt(h.median_outside)} elsewhere (${h.n_outside})`;
  // The kernel's sentence already gives the counts.
  const bare = `median ${fmt(h.median_inside)} near it vs ${fmt(h.median_outside)} elsewhere`;
  if (h.looks_wrong) return { state: "wrong", text: `⚠ ${h.message ?? "trials near the prior do worse than elsewhere"}; ${bare}`, title };
  const also = h.message ? `; ${h.message}` : "";
  // The verdict is the AUC's (the chance a trial near the prior beats one elsewhere), which can
  // lean one way while the medians tie (a cross-validated error takes few values): the line
  // gives that chance, so "better" beside two equal medians is not a contradiction; near one
  // half it says neither.
  const pct = Math.round(h.auc * 100);
  // The kernel's AUC counts a tie as half a win (an error count ties often) and starts from
  // one half: say so, or "beat … 55%" reads as more wins than there were.
  const beats = `they beat a trial elsewhere ${pct}% of the time, a tie counted as half`;
  if (Math.abs(h.auc - 0.5) < EVEN) {
    return { state: "ok", text: `trials near the prior do about as well as elsewhere: ${medians}${also}`, title };
  }
  if (h.auc > 0.5) return { state: "ok", text: `trials near the prior do better (${beats}): ${medians}${also}`, title };
  return { state: "worse", text: `trials near the prior do a little worse (${beats}): ${medians}${also}`, title };
}
