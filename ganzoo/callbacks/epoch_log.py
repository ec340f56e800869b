"""``log.csv``: one row of logs per epoch, rewritten atomically at each epoch end."""

import csv
import io
import os

import keras

from ganzoo import run_folder


class EpochLog(keras.callbacks.Callback):
    """Writes ``epoch`` and every scalar of the epoch's logs as a CSV row.

    Unlike ``keras.callbacks.CSVLogger`` it adds no ``val_*`` columns when
    there is no validation data (they would be all ``NA``), and it rewrites
    the file under a temporary name then renames it, so that a kill never
    leaves a truncated row. Rows already in the file (those of the epochs a
    resumed run has done) are kept, and their header decides the columns.

    Args:
        path: the CSV file.

    Example:

    ```python
    gan.fit(data, epochs=5, callbacks=[EpochLog("run/log.csv")])
    ```
    """

    def __init__(self, path):
        super().__init__()
        self.path = path

    def on_epoch_end(self, epoch, logs=None):
        logs = {name: value for name, value in (logs or {}).items() if _is_scalar(value)}
        rows = []
        if os.path.exists(self.path):
            with open(self.path, newline="") as f:
                rows = list(csv.reader(f))
        header = rows[0] if rows else ["epoch", *sorted(logs)]
        logs["epoch"] = epoch
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerows(rows or [header])
        writer.writerow([logs.get(name, "NA") for name in header])
        run_folder.write_text(self.path, text.getvalue())


def _is_scalar(value):
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True
