"""`ascend-doctor diagnose`: name the root cause from what users paste (logs, reports, commands)."""
