"""Reports for people and machines: aligned text tables, CSV and JSON over query results."""

from .formats import render, report_columns

__all__ = ["render", "report_columns"]
