"""Offline evaluation of the context collectors: planted incidents among chronic noise, and their scores.

:mod:`tfo_mcp.evaluation.scenarios` generates the scenarios (one organization each) and writes their rows into
the platform tables as TFO writes them; :mod:`tfo_mcp.evaluation.scorer` runs the contexts on them and scores
whether the culprit is named, ranked first and given the right figure, and whether healthy windows stay quiet.
Imported only by the CLI, ``bench/evaluate.py`` and the tests.
"""
