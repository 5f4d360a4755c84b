"""What a finished import gives back: the rejected rows of a CSV, ready to fix and import again."""

from __future__ import annotations

import csv
import io

from hushpost.imports.models import ImportRun, RowOutcome

REJECTED_COLUMN = "rejected because"


def rejected_rows_csv(run: ImportRun) -> str:
    """The rejected rows as uploaded, with a last column saying why."""
    width = len(run.headers)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*run.headers, REJECTED_COLUMN])
    for row in run.rows.filter(outcome=RowOutcome.REJECTED):
        values = row.values
        cells = values[:width] + [""] * (width - len(values))
        # Cells beyond the header go after the reason, so the reason stays in its column.
        writer.writerow([*cells, "; ".join(row.reasons), *values[width:]])
    return out.getvalue()
