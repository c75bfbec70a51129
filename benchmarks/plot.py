"""The prior study's figure: best regret so far against trials, one panel per problem, and the
trials-to-target distribution of each method below it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: benchmarks run in terminals and CI, never in a display
import matplotlib.pyplot as plt
import numpy as np

# One colour per method family, dashes for the misleading prior, so the figure reads in greyscale.
STYLE: dict[str, dict[str, Any]] = {
    "random": {"color": "#999999", "ls": ":"},
    "tpe": {"color": "#000000", "ls": "-"},
    "tpe_enqueue_good": {"color": "#7f6000", "ls": "-"},
    "tpe_enqueue_misleading": {"color": "#7f6000", "ls": "--"},
    "steered_good": {"color": "#1f5fbf", "ls": "-", "lw": 2.2},
    "steered_misleading": {"color": "#1f5fbf", "ls": "--", "lw": 2.2},
    "steered_rough": {"color": "#6a3d9a", "ls": "-", "lw": 1.8},
    "steered_good_at_30pct": {"color": "#1f9fbf", "ls": "-."},
    "steered_good_high": {"color": "#1f5fbf", "ls": "-", "lw": 1.0},
    "steered_good_low": {"color": "#7fa7df", "ls": "-", "lw": 1.0},
    "steered_misleading_high": {"color": "#1f5fbf", "ls": ":", "lw": 1.4},
    "smac_pibo_good": {"color": "#c0392b", "ls": "-"},
    "smac_pibo_misleading": {"color": "#c0392b", "ls": "--"},
    "prior_sampling_good": {"color": "#2e8b57", "ls": ":", "lw": 1.0},
}


def plot_priors(summary: dict[str, Any], path: Path) -> Path:
    names = list(summary)
    fig, axes = plt.subplots(2, len(names), figsize=(5.2 * len(names), 8.5), squeeze=False,
                             gridspec_kw={"height_ratios": [3, 2]})
    for col, name in enumerate(names):
        s = summary[name]
        ax = axes[0][col]
        arms = [a for a in s["arms"] if s["arms"][a]["runs"]]
        floor = 1e-4
        for arm in arms:
            c = s["arms"][arm]["curve"]
            x = np.arange(1, len(c["median"]) + 1)
            style = STYLE.get(arm, {})
            med = np.maximum(np.asarray(c["median"]), floor)
            ax.plot(x, med, label=s["arms"][arm]["label"], color=style.get("color"),
                    ls=style.get("ls", "-"), lw=style.get("lw", 1.4))
            ax.fill_between(x, np.maximum(c["q25"], floor), np.maximum(c["q75"], floor),
                            color=style.get("color"), alpha=0.08, lw=0)
        ax.axhline(max(s["target"] - s["optimum"], floor), color="#555555", lw=0.8, ls=":")
        ax.set_yscale("log")
        ax.set_title(f"{s['title']}")
        ax.set_xlabel("trial")
        ax.set_ylabel("best regret so far (median, IQR shaded)")
        ax.grid(alpha=0.3, which="both", lw=0.4)

        box = axes[1][col]
        data = [s["arms"][a]["per_seed_trials_to_target"] for a in arms]
        parts = box.boxplot(data, vert=False, widths=0.6, patch_artist=True,
                            medianprops={"color": "black"})
        for patch, arm in zip(parts["boxes"], arms, strict=True):
            patch.set_facecolor(STYLE.get(arm, {}).get("color", "#cccccc"))
            patch.set_alpha(0.35)
        box.set_yticks(range(1, len(arms) + 1))
        box.set_yticklabels([s["arms"][a]["label"] for a in arms], fontsize=7.5)
        box.invert_yaxis()
        box.axvline(s["budget"] + 1, color="#555555", lw=0.8, ls=":")
        box.set_xlabel(f"trials to reach target {s['target']:.4g} (budget+1 = never)")
        box.grid(alpha=0.3, axis="x", lw=0.4)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper center", ncol=5, fontsize=8, frameon=False)
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    # "tight": the box plots' long labels push the last column past the canvas otherwise.
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
