"""``python -m core personas``: persona cards for a saved segmentation, as JSON.

The JSON keys are a data contract and stay English; the text in it (names, trait
sentences, actions and reasons, notes) is in the language of ``--lang`` (en or zh).

With ``--activation FILE`` it also writes every user with their segment, persona name,
run id and assignment time (CSV, Excel or Parquet), and with ``--audiences DIR`` one
hashed contact list per persona for ad platforms (``core.export.activation``).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from core.cli._common import add_input_arguments, open_events_from_args, read_segments
from core.cli._options import number, output_file, output_folder
from core.errors import DataError
from core.i18n import N_, tr

HELP = N_(
    "Build persona cards (traits, KPIs, recommended actions) for each segment of "
    "SEGMENTS.csv (columns user_id,segment) and write them as a JSON list; optionally "
    "export every user with their persona, and hashed audience lists per persona."
)
#: What --format accepts (kept here, not imported, so --help loads no pandas).
FORMATS = ("csv", "xlsx", "parquet")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the personas options: shared inputs, --segments, the outputs and their settings."""
    add_input_arguments(parser)
    parser.add_argument(
        "--segments", required=True, metavar="SEGMENTS.csv", help="CSV with user_id,segment"
    )
    parser.add_argument(
        "--out", type=output_file("personas.json"), metavar="PERSONAS.json",
        help="output JSON file of the persona cards",
    )  # fmt: skip
    parser.add_argument(
        "--min-group-size",
        type=number(low=1, whole=True, example="10"),
        default=10,
        metavar="N",
        help="hide any breakdown with fewer than N users (default 10)",
    )
    parser.add_argument(
        "--with-clv",
        action="store_true",
        help="also fit lifetime value (BG/NBD + Gamma-Gamma) and add per-segment totals",
    )

    parser.add_argument(
        "--activation",
        type=output_file("activation.csv"),
        metavar="FILE",
        help="also write every user with segment, persona, run_id and assigned_at",
    )
    parser.add_argument(
        "--format",
        metavar="csv|xlsx|parquet",
        help="format of --activation (default: from its extension, else csv)",
    )
    parser.add_argument(
        "--audiences",
        type=output_folder,
        metavar="DIR",
        help="also write audience_<persona>.csv per persona: SHA-256 of normalised "
        "e-mail and phone, from the user attributes or --contacts",
    )
    parser.add_argument(
        "--contacts",
        metavar="CONTACTS",
        help="file with user_id and email and/or phone for --audiences, read for this "
        "export only (default: the users file's unprotected contact columns)",
    )
    parser.add_argument(
        "--phone-region",
        default="CN",
        metavar="CC",
        help="country of phone numbers written without a country code (default CN)",
    )
    parser.add_argument(
        "--run-id",
        metavar="ID",
        help="run id written in --activation (default: a fingerprint of SEGMENTS.csv)",
    )


def _activation_format(args: argparse.Namespace) -> str:
    """The --activation format: --format, else the file's extension, else csv."""
    if args.format:
        fmt = args.format.strip().lower().lstrip(".")
        if fmt not in FORMATS:
            raise DataError(
                tr(
                    "--format {value} is not an export format; use one of {formats}.",
                    value=args.format,
                    formats=", ".join(FORMATS),
                )
            )
        return fmt
    suffix = Path(args.activation).suffix.lower().lstrip(".")
    return suffix if suffix in FORMATS else "csv"


def _check_outputs(args: argparse.Namespace) -> None:
    """At least one output, and options that belong together, before any work."""
    if args.format and not args.activation:
        raise DataError(tr("--format applies to --activation FILE; add --activation."))
    if args.contacts and not args.audiences:
        raise DataError(tr("--contacts is read for --audiences DIR; add --audiences."))
    if not (args.out or args.activation or args.audiences):
        raise DataError(
            tr("Say what to write: --out PERSONAS.json, --activation FILE or --audiences DIR.")
        )
    if args.activation:
        _activation_format(args)
    if args.contacts and not Path(args.contacts).is_file():
        raise DataError(
            tr("{file}: file not found; check the --contacts path.", file=args.contacts)
        )


def _write_activation(args, personas, labels, report, engine) -> None:
    """Write the activation file and the audience lists the options ask for."""
    import datetime as dt
    import hashlib

    from core import export
    from core.i18n import fmt

    segments = Path(args.segments)
    run_id = args.run_id or "segments-" + hashlib.sha256(segments.read_bytes()).hexdigest()[:12]
    assigned = dt.datetime.fromtimestamp(segments.stat().st_mtime, dt.UTC)
    table = export.activation_table(labels, {p.segment: p.name for p in personas}, run_id, assigned)
    if args.audiences:
        if args.contacts:
            users = export.read_contacts(args.contacts, privacy_actions=report.privacy_actions)
            source = args.contacts
        else:
            users = export.read_user_attributes(engine)
            source = tr("The users file") if report.user_rows else tr("The data (no --users file)")
        tables = export.audience_tables(
            table,
            users,
            protected=export.protected_columns(report.privacy_actions),
            region=args.phone_region,
            source=source,
        )
        folder = Path(args.audiences)
        folder.mkdir(parents=True, exist_ok=True)
        files = export.audience_files(tables)
        for name, data in files.items():
            (folder / name).write_bytes(data)
        rows = sum(len(t) for t in tables.values())
        print(
            tr(
                "wrote {files} audience files ({users} users with a contact) to {folder}",
                files=fmt.number(len(files)),
                users=fmt.number(rows),
                folder=folder,
            )
        )
    if args.activation:
        out = Path(args.activation)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(export.activation_bytes(table, _activation_format(args)))
        print(
            tr(
                "wrote {users} users with their persona to {file}",
                users=fmt.number(len(table)),
                file=out,
            )
        )


def run(args: argparse.Namespace) -> None:
    """Ingest events, build features, build personas, write the JSON list and exports."""
    from core.data.engine import dataset_engine
    from core.i18n import fmt, ntr
    from core.personas import build_personas, personas_to_records
    from core.segments.features import build_features

    _check_outputs(args)
    labels = read_segments(args.segments)
    dataset = open_events_from_args(args)
    engine = dataset_engine(dataset.path)
    features = build_features(engine, as_of=args.as_of)
    clv_table = None
    if args.with_clv:
        from core.personas import fit_clv, rfm_summary

        clv_table = fit_clv(rfm_summary(engine, as_of=args.as_of)).table
    personas = build_personas(
        features, labels, engine=engine, min_group_size=args.min_group_size, clv=clv_table
    )
    if args.activation or args.audiences:
        _write_activation(args, personas, labels, dataset.report, engine)
    if args.out:
        out = Path(args.out)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(
            json.dumps(personas_to_records(personas), ensure_ascii=False, indent=2),
            encoding="utf-8",
        )
        print(
            ntr(
                "wrote {n} persona to {file}",
                "wrote {n} personas to {file}",
                len(personas),
                n=fmt.number(len(personas)),
                file=out,
            )
        )
