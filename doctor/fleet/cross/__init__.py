"""The cross-host phase of `fleet check`: findings that compare hosts, which no single host can see.

doctor.fleet.cross_checks is the interface; the modules here hold the checks, grouped by what
they read.
"""
