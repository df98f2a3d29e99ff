"""The dashboard's one door into the ETL: what the upload, registry, zero-report and withdrawal
views write, and the file kinds they name. Every other ui module reads through analytics; this
is the only ui module that imports etl (tests/core/test_boundaries.py holds it to that).

Writing goes through the ETL's own functions, not a copy: an upload is `load_bytes`, with the
same rules, lock, atomic swap and audit as `python -m etl load`; a withdrawal is
`withdraw.withdraw`; a 零报告 is a file `zero_reports.declaration_file` makes and the load
takes; a blank template is `templates.template_bytes`; a warehouse made by an earlier version
is brought up to date by `warehouse.upgrade`.
"""

from __future__ import annotations

from etl import load_audit, mappings, rejects, templates, warehouse, withdraw, zero_reports
from etl.load import FileResult, LoadReport, load_bytes
from etl.mappings import kinds
from etl.swap import WriteFailed

__all__ = ["FileResult", "LoadReport", "WriteFailed", "kinds", "load_audit", "load_bytes",
           "mappings", "rejects", "templates", "warehouse", "withdraw", "zero_reports"]
