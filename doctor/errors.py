"""Errors that mean the user has something to correct, shown without a traceback."""


class UsageError(Exception):
    """A mistake in the arguments, or input the user named that cannot be used."""
