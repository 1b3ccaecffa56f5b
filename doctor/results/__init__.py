"""Results over time: the bench.json and eval.json files the bench and eval commands (and the
evaluate role) leave under one folder per host, service and run, read back and compared."""
