"""Command line: ``python -m hcautoml_widgets demo [--trials N] [--out PATH]``."""

from __future__ import annotations

import argparse


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hcautoml-widgets")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="tune an SVM on digits, steering it from code mid-run")
    demo.add_argument("--trials", type=int, default=60)
    demo.add_argument("--out", default="hcw-demo.json")
    demo.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.command == "demo":
        from hcautoml_widgets.core import demo as demo_mod

        demo_mod.main(n_trials=args.trials, out=args.out, seed=args.seed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
