"""ascend-doctor: inspects Ascend NPU hosts for vLLM and deploys it."""

__version__ = "0.1.0"
