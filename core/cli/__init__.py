"""The command line, ``python -m core COMMAND`` (dispatched by ``core/__main__.py``).

One module per command, each with ``HELP``, ``add_arguments(parser)`` and ``run(args)``:

* ``sample`` - write the synthetic sample dataset.
* ``features`` - one row per user, as CSV or Parquet.
* ``segment`` - segment users, write ``user_id,segment``.
* ``personas`` - persona cards for each segment, as JSON.
* ``clv`` - customer lifetime value per customer.
* ``abtest`` - an experiment's results, as JSON.
* ``power`` - users needed per arm.
* ``report`` - the Explore report as HTML or PDF.
* ``workshops`` - delete the work of ended workshop sessions (a daily cron job).

Shared by the commands: ``_common`` (the input options and loading the events) and
``_options`` (option types that refuse bad values in one sentence).

Command modules import only argparse-level code at their top, and their heavy imports
happen in ``run``, so ``python -m core --help`` starts in a fraction of a second.
"""

from core.cli._common import (
    add_input_arguments,
    open_events_from_args,
    read_segments,
    take_summaries,
)
from core.cli._options import CliParser, number, output_file, output_folder

__all__ = [
    "CliParser",
    "add_input_arguments",
    "number",
    "open_events_from_args",
    "output_file",
    "output_folder",
    "read_segments",
    "take_summaries",
]
