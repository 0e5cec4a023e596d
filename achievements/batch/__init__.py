"""Batch recognition (批量认定): institutions' result files and API rows, read and normalised.

``reader`` turns an uploaded CSV or XLSX file into rows keyed by column; ``normalise`` turns
one row's raw cells into checked values or row errors that tell the clerk what to fix. Both are
pure (no database): the batch service finds the learners and writes the achievements.
"""
