"""Writing the sample as UTF-8 CSV files (``python -m core sample``)."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from core.data.synth.generator import generate
from core.errors import DataError
from core.i18n import tr

SAMPLE_FILES: tuple[str, ...] = (
    "events.csv",
    "users.csv",
    "experiment.csv",
    "campaign_costs.csv",
    "truth.csv",
)


def write_sample(
    out_dir: str | Path,
    n_users: int = 2000,
    days: int = 90,
    seed: int = 7,
    start: str = "2025-09-01",
) -> dict[str, Path]:
    """Generate a dataset and write it as UTF-8 CSV files into ``out_dir``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write into (created if missing). Existing sample files are replaced.
    n_users, days, seed, start
        As in :func:`generate`.

    Returns
    -------
    dict of str to Path
        File name -> written path, for ``events.csv``, ``users.csv``, ``experiment.csv``,
        ``campaign_costs.csv`` and ``truth.csv``.

    Raises
    ------
    DataError
        When an argument is out of range or ``out_dir`` is not a writable folder.
    """
    data = generate(n_users=n_users, days=days, seed=seed, start=start)
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise DataError(tr("{path} is a file, not a folder; choose a folder for --out.", path=out))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataError(
            tr(
                "Could not create the folder {path} ({reason}); choose another.",
                path=out,
                reason=exc.strerror,
            )
        ) from exc
    # Exports come in time order; users break ties so the file is reproducible.
    by_time = np.lexsort(
        (data.events["user_id"].cat.codes.to_numpy(), data.events["timestamp"].to_numpy())
    )
    frames = {
        "events.csv": data.events.iloc[by_time],
        "users.csv": data.users,
        "experiment.csv": data.experiment,
        "campaign_costs.csv": data.campaign_costs,
        "truth.csv": data.truth,
    }
    written: dict[str, Path] = {}
    for name, frame in frames.items():
        path = out / name
        tmp = out / f".{name}.tmp"
        frame.to_csv(
            tmp,
            index=False,
            encoding="utf-8",
            date_format="%Y-%m-%d %H:%M:%S" if name == "events.csv" else "%Y-%m-%d",
            float_format="%.2f" if name != "events.csv" else "%.1f",
            quoting=csv.QUOTE_MINIMAL,
            lineterminator="\n",
        )
        tmp.replace(path)
        written[name] = path
    return written
