"""`python -m doctor` runs the ascend-doctor command."""

from doctor.cli import entry

entry()
