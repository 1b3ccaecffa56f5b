"""Gather raw evidence: commands, files, environment. Probes never raise and never interpret."""
