"""The findings as metrics: node_exporter's textfile collector and NPU Exporter's custom metrics file.

samples.py turns reports into metric families, textfile.py and npu_exporter.py render them,
atomic.py writes a file so a reader never sees half of it, output.py picks the format.
"""
