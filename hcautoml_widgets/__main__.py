"""Command line: ``hcautoml-widgets demo ...`` and ``hcautoml-widgets worker ...``
(also ``python -m hcautoml_widgets ...``)."""

from __future__ import annotations

import argparse


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hcautoml-widgets")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="tune an SVM on digits, steering it from code mid-run")
    demo.add_argument("--trials", type=int, default=60)
    demo.add_argument("--out", default="hcw-demo.json")
    demo.add_argument("--seed", type=int, default=0)
    worker = sub.add_parser(
        "worker", help="run trials of a study stored in PostgreSQL, steered from a notebook",
        description="Run trials of a study in an RDB storage until its budget ends or the fleet "
                    "is stopped from the notebook (hcw.Run.attach(...).stop()). Before each "
                    "trial the worker reads the steering edits and the fleet's pause/stop.")
    worker.add_argument("--storage", required=True,
                        help="database URL, e.g. postgresql://user:password@host:5432/db")
    worker.add_argument("--study", required=True, help="the study's name")
    worker.add_argument("--objective", required=True,
                        help="module:function, importable from the working directory")
    worker.add_argument("--n-trials", type=int, default=None,
                        help="trials this worker runs at most (default: until stopped)")
    worker.add_argument("--timeout", type=float, default=None,
                        help="seconds after which this worker starts no new trial")
    worker.add_argument("--heartbeat-interval", type=_positive_int, default=2,
                        help="seconds between the running trial's heartbeats (Optuna's)")
    worker.add_argument("--grace-period", type=_positive_int, default=None,
                        help="seconds without a heartbeat after which a trial counts as lost "
                             "(default: 20, or five intervals if longer)")
    worker.add_argument("--seed", type=int, default=None, help="seeds this worker's sampler")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from hcautoml_widgets.core import demo as demo_mod

        demo_mod.main(n_trials=args.trials, out=args.out, seed=args.seed)
        return 0
    from hcautoml_widgets.core import worker as worker_mod

    return worker_mod.main(args.storage, args.study, args.objective, n_trials=args.n_trials,
                           timeout=args.timeout, heartbeat_interval=args.heartbeat_interval,
                           grace_period=args.grace_period, seed=args.seed)


if __name__ == "__main__":
    raise SystemExit(main())
