"""`ascend-doctor smoke --url URL --model NAME`: prove a vLLM service answers."""

from __future__ import annotations

import json

from doctor.errors import UsageError
from doctor.exit_codes import ExitStatus
from doctor.runtime import Runtime
from doctor.smoke.run import Smoke, run as run_smoke


def smoke_from(args, runtime: Runtime) -> Smoke:
    if not args.url.startswith(("http://", "https://")):
        raise UsageError(f"--url {args.url!r} must start with http:// or https://")
    api_key = runtime.environ.get(args.api_key_env) if args.api_key_env else None
    if args.api_key_env and not api_key:
        raise UsageError(f"--api-key-env {args.api_key_env} is not set in the environment")
    return Smoke(url=args.url, model=args.model, modality=args.modality, api_key=api_key,
                 wait_s=args.wait, expect_word=args.expect_word)


def run(args, runtime: Runtime) -> int:
    result = run_smoke(smoke_from(args, runtime))
    if args.json:
        print(json.dumps(result.to_dict(), indent=2), file=runtime.stdout)
    else:
        for step in result.steps:
            mark = "PASS" if step.ok else "FAIL"
            print(f"{mark}  {step.name:<14} {step.seconds:7.2f} s  {step.detail}", file=runtime.stdout)
    return ExitStatus.OK if result.ok else ExitStatus.FAILED
