"""Headless core: search space, steering log, steered sampler, run controller, feed, storage.

Nothing here imports ipywidgets, anywidget, bqplot or IPython.
"""
