"""Why a trial was chosen: where its configuration came from, what steering held, what it changed.

Everything comes from what the trial recorded when it was sampled (its row: origin, steering
version, score parts; its per-parameter origins in the study) and from the steering log folded up
to the trial's version, so an explanation of an old trial does not drift as the run goes on.

The score of a model-chosen trial is TPE's acquisition with the steering's terms added,
``acquisition = (log_l - log_g) + prior_term + accepted_term + incumbent_term``: the priors'
piBO term (weighted log prior), the accepted trials' and the refinement around the best trial's.
Each part is credited by its *pull*, how far it lifted the winner above the average candidate
(recorded as ``pull_*``): the pulls add up to the winner's lead, keep their signs, and do not
depend on a log density's level, which is negative almost everywhere. A trial recorded before
the pulls were (an older run) is credited by each part's absolute size instead.
When the sampler recorded ``score["counterfactual"]`` (what the model alone would have picked
among the same candidates: no prior term, no masks) the explanation names what steering changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hcautoml_widgets.core.attrs import provenance_from
from hcautoml_widgets.core.events import SteeringState, fold
from hcautoml_widgets.core.words import plural

_SOURCES = {"code": "from code", "widget": "from the dashboard"}


def _r(x: Any) -> str:
    """A number for reading: three significant digits."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if isinstance(x, int):
        return str(x)
    return f"{x:.3g}"


def _source(source: str) -> str:
    return _SOURCES.get(source, f"by {source}")


def _origins(run: Any, number: int) -> dict[str, str]:
    """Per-parameter origins, stored with the trial (absent for an exported run)."""
    study = getattr(run, "study", None)
    if study is None:
        return {}
    try:
        storage = study._storage
        tid = storage.get_trial_id_from_study_id_trial_number(study._study_id, number)
        return dict(provenance_from(storage.get_trial_system_attrs(tid)).get("origins") or {})
    except KeyError:
        return {}


def _steering(run: Any, version: int) -> dict[str, Any]:
    """The state the trial started under, and what in it differs from the base space."""
    space = run.steering.space
    state = fold([ev for ev in run.steering.log if ev.seq <= version], space)
    base = SteeringState.initial(space)
    held = {
        "version": version,
        "ranges": {k: [v[0], v[1]] for k, v in state.ranges.items() if base.ranges[k] != v},
        "allowed": {k: list(v) for k, v in state.allowed.items() if base.allowed[k] != v},
        "pins": dict(state.pins),
        "priors": {k: {"value": p.value, "confidence": p.confidence, "source": p.source,
                       "since": p.since}
                   for k, p in state.priors.items()},
        "rejected": sorted(n for n, r in state.reviews.items() if r == "rejected"),
        "accepted": sorted(n for n, r in state.reviews.items() if r == "accepted"),
    }
    return held


#: The parts of a score, as the explanation names them.
_PARTS = {"model": "the model's evidence", "prior": "your prior",
          "accepted": "the trials you accepted", "incumbent": "the refinement near the best trial"}


def _score(score: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not score:
        return None
    keys = ("log_l", "log_g", "log_prior", "prior_term", "accepted_term", "incumbent_term",
            "acquisition", "prior_weight", *(f"pull_{k}" for k in _PARTS))
    parts = {k: score[k] for k in keys if score.get(k) is not None}
    model = None
    if "log_l" in parts and "log_g" in parts:
        model = float(parts["log_l"]) - float(parts["log_g"])
    out: dict[str, Any] = {**parts, "model_term": model,
                           **{f"{k}_share": None for k in _PARTS}}
    if "pull_model" in parts:
        sizes = {k: float(parts.get(f"pull_{k}", 0.0)) for k in _PARTS}
    elif model is not None:  # recorded before the pulls were
        sizes = {"model": model, "prior": float(parts.get("prior_term", 0.0)),
                 "accepted": 0.0, "incumbent": 0.0}
    else:
        return out
    total = sum(abs(v) for v in sizes.values())
    if total > 0:
        for k, v in sizes.items():
            out[f"{k}_share"] = abs(v) / total
    out["signs"] = {k: (1 if v > 0 else -1 if v < 0 else 0) for k, v in sizes.items()}
    out["pulled"] = "pull_model" in parts
    return out


def _steering_in_force(held: Mapping[str, Any], score: Mapping[str, Any] | None = None) -> str:
    """The counterfactual is a joint choice among candidates, so it is what all the steering in
    force changed, not any one parameter's part of it."""
    whys = [f"your prior on {k}" for k in held["priors"]]
    whys += [f"your range on {k}" for k in [*held["ranges"], *held["allowed"]]]
    whys += [f"your pin on {k}" for k in held["pins"]]
    if held["accepted"]:
        whys.append("the trials you accepted")
    if score and score.get("incumbent_term"):
        whys.append("the refinement near the best trial")
    if not whys:
        return "your steering"
    return whys[0] if len(whys) == 1 else ", ".join(whys[:-1]) + " and " + whys[-1]


def explain(run: Any, number: int) -> dict[str, Any]:
    """Why trial ``number`` was chosen.

    Args:
        run: a :class:`~hcautoml_widgets.Run` (or an exported run read back).
        number: the trial number.

    Returns:
        A dict: ``number``, ``state``, ``value``, ``origin`` ("enqueued", "pinned", "prior",
        "model", "startup"), ``origins`` (per parameter, when stored), ``enqueued`` (the enqueue
        event's ``seq``, ``source``, ``time``, or None), ``steering`` (what was in force: the
        version, narrowed ranges, allowed choices, pins, priors, rejected and accepted trials),
        ``score`` (the parts, ``model_term``, ``model_share``, ``prior_share``; None when no
        model scored it), ``n_candidates``, ``counterfactual`` (what the model alone would have
        picked, when recorded), ``changed`` ({param: {"chosen", "model_alone"}}),
        ``prior_trial_share`` (for a trial drawn from the priors because the trials confirm them:
        the chance each trial had of being one; else None), ``prior_mode`` (True for the trial
        that ran the priors' centres, the first after they were stated), ``near_best`` (for a
        trial whose winning candidate was proposed near the best trial so far, that trial's
        number; else None), ``near_accepted`` (True when it was proposed near an accepted
        trial) and ``text``.

    Raises:
        ValueError: when there is no trial ``number``.
    """
    rows = {int(r["number"]): r for r in run.records()}
    if not isinstance(number, int) or isinstance(number, bool) or number not in rows:
        raise ValueError(f"explain: no trial {number!r} in this run")
    row = rows[number]
    version = int(row.get("version") or 0)
    held = _steering(run, version)
    origins = _origins(run, number)
    raw_score = row.get("score") or {}
    score = _score(raw_score)
    params = dict(row.get("params") or {})
    counterfactual = raw_score.get("counterfactual")
    n_candidates = raw_score.get("n_candidates")
    changed = {}
    if isinstance(counterfactual, Mapping):
        changed = {k: {"chosen": params.get(k), "model_alone": v}
                   for k, v in counterfactual.items() if params.get(k) != v}
    enq = None
    if row.get("enqueued") is not None:
        seq = int(row["enqueued"])
        ev = next((e for e in run.steering.log if e.seq == seq), None)
        enq = {"seq": seq, "source": None if ev is None else ev.source,
               "time": None if ev is None else ev.time}
    out: dict[str, Any] = {
        "number": number, "state": row.get("state"), "value": row.get("value"),
        "origin": row.get("origin") or "startup", "origins": origins, "params": params,
        "enqueued": enq, "steering": held, "score": score, "n_candidates": n_candidates,
        "counterfactual": dict(counterfactual) if isinstance(counterfactual, Mapping) else None,
        "changed": changed, "prior_trial_share": row.get("prior_trial_share"),
        "prior_mode": bool(row.get("prior_mode")),
        "near_best": row.get("near_best"),
        "near_accepted": bool(row.get("near_accepted")),
    }
    out["text"] = _text(out)
    return out


def _origin_sentence(d: Mapping[str, Any]) -> str:
    n, origin, n_cand = d["number"], d["origin"], d["n_candidates"]
    among = f"among {n_cand} candidates" if n_cand else "among its candidates"
    # A candidate proposed by the prior marks every parameter "prior"; name only the believed ones.
    believed = list(d["steering"]["priors"])
    prior_params = [k for k, v in d["origins"].items() if v == "prior" and k in believed]
    prior_params = prior_params or believed
    if origin == "enqueued":
        enq = d["enqueued"]
        if enq["source"] is None:
            return f"Trial {n} ran a configuration that was enqueued (event #{enq['seq']})."
        return (f"Trial {n} ran a configuration enqueued {_source(enq['source'])} "
                f"(steering event #{enq['seq']}).")
    if origin == "pinned":
        return f"Every free parameter of trial {n} was pinned."
    if origin == "prior":
        on = f" on {', '.join(prior_params)}" if prior_params else ""
        if d.get("prior_mode"):
            return (f"Trial {n} ran the centre of your prior{on}, the values you believe best: "
                    f"the first trial after a belief is stated tries it as it stands."
                    + _moved_centres(d))
        if d.get("prior_trial_share"):
            return (f"Trial {n} was drawn from your prior{on}: trials drawn from it have beaten "
                    f"the others so far, so while that holds about "
                    f"{d['prior_trial_share']:.0%} of trials are drawn from it.")
        if d["score"] is not None:
            return (f"The model chose trial {n} {among}; the winner was a candidate proposed by "
                    f"your prior{on}.")
        return f"Trial {n} was drawn from your prior{on}, before the model was guiding the search."
    if origin == "model" and d.get("near_accepted"):
        accepted = d["steering"]["accepted"]
        which = (f" (trial {accepted[0]})" if len(accepted) == 1 else
                 f" (trials {', '.join(map(str, accepted))})" if accepted else "")
        return (f"The model (TPE) chose trial {n} as the best-scoring configuration {among}; "
                f"it was proposed near a trial you accepted{which}.")
    if origin == "model" and d.get("near_best") is not None:
        return (f"The model (TPE) chose trial {n} as the best-scoring configuration {among}; "
                f"it was proposed near trial {d['near_best']}, the best so far, where the "
                f"search refines.")
    if origin == "model":
        return f"The model (TPE) chose trial {n} as the best-scoring configuration {among}."
    return (f"Trial {n} was a start-up trial: drawn at random before enough trials had finished "
            f"for the model to guide the search.")


def _moved_centres(d: Mapping[str, Any]) -> str:
    """Where the centre trial could not run a prior's value: a pin holds, and a centre outside a
    narrowed range runs at the nearest bound (the sampler's rule), so the person who believed
    max_depth = 10 learns that trial 0 ran 6, and why."""
    held, params = d["steering"], d["params"]
    bits = []
    for k, p in held["priors"].items():
        ran, believed = params.get(k), p["value"]
        if ran is None or ran == believed:
            continue
        if k in held["pins"]:
            why = "it is pinned"
        elif k in held["ranges"]:
            lo, hi = held["ranges"][k]
            why = f"the nearest bound of its range [{_r(lo)}, {_r(hi)}]"
        elif k in held["allowed"]:
            why = "that choice is not allowed"
        else:
            why = "the nearest value the space allows"
        bits.append(f"{k} ran at {_r(ran)}, not your {_r(believed)} ({why})")
    return f" But {'; '.join(bits)}." if bits else ""


def _steering_sentence(held: Mapping[str, Any]) -> str:
    parts = [f"{k} narrowed to [{_r(lo)}, {_r(hi)}]" for k, (lo, hi) in held["ranges"].items()]
    parts += [f"{k} limited to {', '.join(map(str, v))}" for k, v in held["allowed"].items()]
    parts += [f"{k} pinned to {_r(v)}" for k, v in held["pins"].items()]
    parts += [(f"a {p['confidence']}-confidence prior" if p["confidence"] else "the space's prior")
              + f" {k} ≈ {_r(p['value'])}" for k, p in held["priors"].items()]
    if held["rejected"]:
        parts.append(f"{plural(len(held['rejected']), 'rejected trial')} hidden from the model")
    if held["accepted"]:
        acc = held["accepted"]
        parts.append(f"accepted {'trial' if len(acc) == 1 else 'trials'} "
                     f"{', '.join(map(str, acc))} as evidence")
    v = held["version"]
    if not parts:
        return (f"No constraint or prior was in force (steering version {v})." if v else
                "It started before any steering (version 0).")
    return f"It started under steering version {v}: " + "; ".join(parts) + "."


def _score_sentence(score: Mapping[str, Any]) -> str:
    bits = []
    if score.get("model_term") is not None:
        bits.append(f"model log l/g = {_r(score['model_term'])}")
    if score.get("prior_term") or score.get("prior_weight"):
        w = score.get("prior_weight")
        bits.append(f"prior term = {_r(score.get('prior_term', 0.0))}"
                    + (f" (weight {_r(w)})" if w is not None else ""))
    if score.get("accepted_term"):
        bits.append(f"accepted trials' term = {_r(score['accepted_term'])}")
    if score.get("incumbent_term"):
        bits.append(f"refinement term = {_r(score['incumbent_term'])}")
    text = "Its score: " + ", ".join(bits) + "."
    signs = score.get("signs")
    steered = [k for k in _PARTS if k != "model" and score.get(f"{k}_share")]
    if signs is None or not steered:
        return text
    if not score.get("pulled"):  # an older record: sizes, not pulls
        return text + f" Your prior made up {score['prior_share']:.0%} of it."
    shown = sorted((k for k in _PARTS if (score.get(f"{k}_share") or 0.0) >= 0.005),
                   key=lambda k: -score[f"{k}_share"])
    pro = [k for k in shown if signs[k] > 0]
    con = [k for k in shown if signs[k] < 0]

    def listed(keys: list[str]) -> str:
        items = [f"{_PARTS[k]} ({score[f'{k}_share']:.0%})" for k in keys]
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]

    if pro:
        text += f" What set it apart from the average candidate: {listed(pro)}"
        text += f"; {listed(con)} counted against it." if con else "."
    if not any(score.get(f"{k}_share", 0.0) >= 0.005 for k in steered):
        text += " Your steering's terms hardly weighed in."
    return text


def _text(d: Mapping[str, Any]) -> str:
    sentences = [_origin_sentence(d)]
    pinned = [k for k, v in d["origins"].items() if v == "pinned"]
    if pinned and d["origin"] != "pinned":
        sentences.append(f"Pinned: {', '.join(pinned)}.")
    sentences.append(_steering_sentence(d["steering"]))
    # The believed parameters of a trial drawn from the priors (or running their centres) were
    # set from them: the score and the counterfactual are the model's choice of the rest only,
    # and say so (read as the reason for the whole trial, "prior term = 0" contradicted "ran
    # the centre of your prior").
    drawn = bool(d.get("prior_mode") or d.get("prior_trial_share"))
    rest = [k for k in d["params"] if k not in d["steering"]["priors"]
            and d["origins"].get(k) != "pinned"]
    if d["score"] is not None and d["origin"] in ("model", "prior"):
        if drawn and rest:
            score = _score_sentence(d["score"]).removeprefix("Its score: ")
            sentences.append(f"The model chose the other parameters ({', '.join(rest)}); for "
                             f"those, its score: {score}")
        elif not drawn:
            sentences.append(_score_sentence(d["score"]))
    changed = {k: c for k, c in d["changed"].items() if not drawn or k in rest}
    if changed:
        alt = [f"{k} = {_r(c['model_alone'])} (instead of {_r(c['chosen'])})"
               for k, c in changed.items()]
        among = " among the other parameters" if drawn else ""
        sentences.append(f"Without {_steering_in_force(d['steering'], d['score'])}, the model "
                         f"would have tried{among} " + ", ".join(alt) + ".")
    elif (d["counterfactual"] is not None and d["origin"] in ("model", "prior") and not drawn
          and _steering_in_force(d["steering"], d["score"]) != "your steering"):
        sentences.append("The model alone would have picked the same configuration.")
    return " ".join(sentences)
