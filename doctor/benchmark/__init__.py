"""`ascend-doctor bench`: vLLM's own serving benchmark against a deployed service, parsed and gated."""
