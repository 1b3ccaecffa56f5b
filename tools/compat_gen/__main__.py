"""python -m tools.compat_gen --repo CLONE [--record DIR] [--out FILE] [--check]"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from tools.compat_gen.generate import generate, render
from tools.compat_gen.upstream import Fixtures, GitClone, Recorder, UpstreamError

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "doctor" / "data" / "compat.json"
FIXTURES = ROOT / "tests" / "fixtures" / "upstream" / "vllm-ascend"


def _arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m tools.compat_gen", description=(
        "Generate doctor/data/compat.json from a vllm-ascend clone's release tags "
        "(or from the recorded fixtures)."))
    parser.add_argument("--repo", help="a local clone or mirror of vllm-project/vllm-ascend with its tags")
    parser.add_argument("--fixtures", default=str(FIXTURES),
                        help="recorded upstream files: read without --repo, written with --record (default: %(default)s)")
    parser.add_argument("--record", action="store_true",
                        help="with --repo: also replace the recorded fixtures with the files read")
    parser.add_argument("--out", default=str(DATA), help="where to write (default: %(default)s)")
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if --out differs")
    return parser.parse_args(argv)


def _source(args):
    if not args.repo:
        return Fixtures(args.fixtures), None
    clone = GitClone(args.repo)
    if not args.record:
        return clone, None
    recorder = Recorder(clone, args.fixtures)
    return recorder, recorder


def main(argv=None) -> int:
    args = _arguments(argv)
    try:
        source, recorder = _source(args)
        text = render(generate(source))
    except (UpstreamError, ValueError, KeyError) as exc:
        print(f"compat_gen: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out)
    if args.check:
        same = out.exists() and out.read_text(encoding="utf-8") == text
        print(f"{out}: {'up to date' if same else 'differs from the generator output'}")
        return 0 if same else 1
    if recorder:
        recorder.write_note()
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
