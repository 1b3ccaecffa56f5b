"""Generator of doctor/data/compat.json from vllm-ascend's release tags (maintainers only).

Run ``python -m tools.compat_gen --repo CLONE --record`` to refresh the data and the recorded
upstream files under tests/fixtures/upstream/vllm-ascend; the tests rerun it on those files.
"""
