"""Run the benchmarks: ``python -m benchmarks [NAME ...] [--quick]``.

NAME is one of overhead, traffic, priors, insights, preview, fleet. With no names, all run
(fleet only where a PostgreSQL server can be started). Results go to ``benchmarks/results/``
(``results/quick/`` with ``--quick``): one JSON and one markdown table per benchmark, and
``priors.png``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

BENCHMARKS = ("overhead", "traffic", "insights", "preview", "fleet", "priors")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", choices=[[], *BENCHMARKS], metavar="NAME",
                        help=f"benchmarks to run, of {', '.join(BENCHMARKS)} (default: all)")
    parser.add_argument("--quick", action="store_true",
                        help="small smoke configuration (a few seeds, small budgets)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="processes for the prior study's independent runs (default: 2)")
    parser.add_argument("--fresh", action="store_true",
                        help="ignore the prior study's cache of finished runs")
    parser.add_argument("--problems", default=None,
                        help="comma-separated subset of the prior study's problems")
    parser.add_argument("--max-minutes", type=float, default=None,
                        help="prior study: start no new run after this many minutes; the "
                             "tables then show how many runs each method had")
    parser.add_argument("--smac-seeds", type=int, default=None,
                        help="prior study: run SMAC3 on the first N seeds only (its trials cost "
                             "~100x the others'); default: all seeds")
    parser.add_argument("--reuse-published", action="store_true",
                        help="prior study: take the published figures of the arms that are not "
                             "ours (Optuna, SMAC3, reference) instead of rerunning them; only "
                             "when their code and problems are unchanged")
    parser.add_argument("--recheck", action="store_true",
                        help="prior study: recompute its checks and tables from the published "
                             "per-seed figures, running nothing")
    args = parser.parse_args(argv)
    names = args.names or list(BENCHMARKS)

    from benchmarks import one_thread_per_process

    one_thread_per_process()

    def log(msg: str) -> None:
        print(msg, flush=True)

    t0 = time.time()
    for name in BENCHMARKS:
        if name not in names:
            continue
        log(f"== {name}{' (quick)' if args.quick else ''}")
        if name == "overhead":
            from benchmarks import overhead

            overhead.main(quick=args.quick, log=log)
        elif name == "traffic":
            from benchmarks import traffic

            traffic.main(quick=args.quick, log=log)
        elif name == "insights":
            from benchmarks import insights

            insights.main(quick=args.quick, log=log)
        elif name == "preview":
            from benchmarks import preview

            preview.main(["--trials", "200"] if args.quick else [])
        elif name == "fleet":
            from benchmarks import fleet

            fleet.main(quick=args.quick)
        else:
            from benchmarks import priors

            if args.recheck:
                priors.recheck(log=log)
                continue
            problems = args.problems.split(",") if args.problems else None
            priors.main(quick=args.quick, workers=args.workers, fresh=args.fresh,
                        problems=problems, max_minutes=args.max_minutes,
                        smac_seeds=args.smac_seeds, reuse_published=args.reuse_published,
                        log=log)
    log(f"done in {time.time() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
