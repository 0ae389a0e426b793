"""``python -m core segment``: segment users and write ``user_id,segment`` as CSV.

Reads the events (and optional users) through the shared input options, builds the
feature table (``core.segments.features.build_features``), runs ``core.segments.segmentation.segment``
and writes one row per user. A summary (sizes, quality, parameter hash, warnings) goes
to stderr so stdout stays clean for scripts.

With no ``--method`` the method is ``auto`` (``core.segments.autoseg``: features, weights, method
and k read from the data), unless ``--k``, ``--features``, ``--weights`` or
``--categorical`` is given, which asks for k-means as before. ``--report`` writes what
was chosen and why as JSON.

With ``--db URL --table EVENTS --write-back TABLE`` the users stay in the database: the
segmentation is fitted on a seeded sample (``--sample-size``, ``core.segments.sample_fit``),
every user is assigned inside the database and ``user_id, segment, persona_name, run_id,
assigned_at`` are written to TABLE (``core.segments.writeback``); the run and its fitted
definition are saved in the app store. ``--from-run RUN_ID`` re-applies a saved run's
definition and persona names to the current data (a scheduled refresh) and reports how
many users moved. Exit codes: 0 done, 2 bad input (nothing written), 75 the database did
not answer (try again later).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from core.cli._common import add_input_arguments, open_events_from_args
from core.cli._options import SEED, number, output_file
from core.errors import DataError
from core.i18n import fmt, ntr, tr

if TYPE_CHECKING:
    from core.segments import SegmentParams

HELP = (
    "Segment users with k-means, Gaussian mixture, HDBSCAN, hierarchical clustering or "
    "RFM rules and write SEGMENTS.csv with columns user_id,segment, or write the segments "
    "back into the database with --write-back (exit codes: 0 done, 2 bad input, 75 the "
    "database did not answer; try again later)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Shared input options plus method, k, seed, features, weights and --out."""
    # Imported here, not at the top: ``python -m core --help`` imports this module but
    # adds only the chosen command's options, so scikit-learn loads for this command only.
    from core.segments import METHODS, TRANSFORMS

    add_input_arguments(parser)
    parser.add_argument(
        "--method",
        choices=METHODS,
        help="segmentation method (default auto: features, weights, method and k from the data)",
    )
    parser.add_argument(
        "--k",
        type=number(whole=True, example="6"),
        help="number of segments for kmeans, gmm, agglomerative (default 6)",
    )
    parser.add_argument("--seed", type=SEED, default=0, help="random seed (default 0)")
    parser.add_argument(
        "--features",
        metavar="F1,F2,...",
        help="comma-separated feature columns (default: a behavioural set)",
    )
    parser.add_argument(
        "--weights", metavar="F1=2,F2=0.5", help="comma-separated feature weights (default 1)"
    )
    parser.add_argument(
        "--categorical",
        metavar="A1,A2",
        help="comma-separated categorical attributes to include (e.g. gender,region)",
    )
    parser.add_argument(
        "--transform", choices=TRANSFORMS, default="log1p+standard", help="feature scaling"
    )
    parser.add_argument(
        "--min-cluster-size",
        type=number(whole=True, example="25"),
        default=25,
        help="smallest HDBSCAN segment (default 25)",
    )
    parser.add_argument(
        "--pca-components",
        type=number(whole=True, example="5"),
        help="compress the features to this many principal components first (default off)",
    )
    parser.add_argument(
        "--out",
        type=output_file("segments.csv"),
        metavar="SEGMENTS.csv",
        help="output CSV file (required unless --write-back)",
    )
    parser.add_argument(
        "--write-back",
        metavar="TABLE",
        help="with --db and --table: assign every user inside the database and write "
        "user_id, segment, persona_name, run_id, assigned_at into TABLE (created when "
        "missing; this run's earlier rows are replaced). Exit codes: 0 done, 2 bad "
        "input and nothing written, 75 the database did not answer (try again later)",
    )
    parser.add_argument(
        "--from-run",
        metavar="RUN_ID",
        help="with --write-back: re-use the segments and persona names of this saved run "
        "on the current data and report how many users moved (for a daily scheduled job)",
    )
    parser.add_argument(
        "--sample-size",
        type=number(whole=True, example="20000"),
        default=None,
        help="with --write-back: users in the seeded fitting sample (default 20000, the "
        "measured size for stable segments)",
    )
    parser.add_argument(
        "--workspace",
        metavar="ID",
        help="with --from-run: the workspace of the run when its id is in more than one",
    )
    parser.add_argument(
        "--report",
        type=output_file("report.json"),
        metavar="REPORT.json",
        help="write method, k, features, weights, quality, stability, structure and reasons",
    )


def _split(text: str | None) -> tuple[str, ...]:
    return tuple(p.strip() for p in (text or "").split(",") if p.strip())


def parse_weights(text: str | None) -> tuple[tuple[str, float], ...]:
    """Parse ``F1=2,F2=0.5`` into ``(("F1", 2.0), ("F2", 0.5))``.

    Only the form is checked here; the range of each weight is checked with the other
    parameters by ``core.segments.validate_segment_params``.
    """
    out = []
    for part in _split(text):
        name, sep, value = part.partition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            weight = float(value)
        except ValueError:
            raise DataError(
                tr(
                    "--weights: '{part}' is not FEATURE=NUMBER; write e.g. --weights monetary=2.",
                    part=part,
                )
            ) from None
        out.append((name.strip(), weight))
    return tuple(out)


def params_from_args(args: argparse.Namespace) -> SegmentParams:
    """Build SegmentParams from parsed arguments and check them.

    Raises
    ------
    DataError
        A parameter out of range (``core.segments.validate_segment_params``).
    """
    method = args.method
    if method is None:
        explicit = (args.k, args.features, args.weights, getattr(args, "categorical", None))
        method = "kmeans" if any(v is not None for v in explicit) else "auto"
    kwargs = {
        "method": method,
        "k": 6 if args.k is None else args.k,
        "seed": args.seed,
        "weights": parse_weights(args.weights),
        "transform": args.transform,
        "categorical": _split(getattr(args, "categorical", None)),
        "min_cluster_size": args.min_cluster_size,
        "pca_components": getattr(args, "pca_components", None),
    }
    features = _split(args.features)
    if features:
        kwargs["features"] = features
    # Here, not at the top: the class loads scikit-learn, which `--help` does not need.
    from core.segments import SegmentParams, validate_segment_params

    params = SegmentParams(**kwargs)
    validate_segment_params(params)
    return params


def run(args: argparse.Namespace) -> None:
    """Build features, segment, write ``user_id,segment``; summary on stderr."""
    import pandas as pd

    from core.data import dataset_engine
    from core.export import safe_csv
    from core.segments import build_features, segment

    if getattr(args, "write_back", None) or getattr(args, "from_run", None):
        from core.cli.segment_writeback import run_write_back

        run_write_back(args)
        return
    if not args.out:
        raise DataError(tr("Give --out SEGMENTS.csv, or --write-back TABLE with --db and --table."))
    out = Path(args.out)
    if out.suffix.lower() != ".csv":
        raise DataError(
            tr(
                "The output file '{path}' must end in .csv, e.g. --out segments.csv.",
                path=out,
            )
        )
    params = params_from_args(args)
    dataset = open_events_from_args(args)
    features = build_features(dataset_engine(dataset.path), as_of=args.as_of)
    result = segment(features, params)
    frame = pd.DataFrame(
        {"user_id": result.labels.index.astype(str), "segment": result.labels.to_numpy()}
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(safe_csv(frame))
    q = result.quality
    sizes = ", ".join(f"{name} {fmt.number(size)}" for name, size in result.sizes.items())
    sil = q["silhouette"]
    print(
        ntr(
            "wrote {users} users in {n} segment to {path} (run {run}; silhouette "
            "{silhouette}; sizes: {sizes})",
            "wrote {users} users in {n} segments to {path} (run {run}; silhouette "
            "{silhouette}; sizes: {sizes})",
            int(q["n_segments"]),
            users=fmt.number(len(frame)),
            n=fmt.number(q["n_segments"]),
            path=out,
            run=result.params_hash,
            silhouette=tr("n/a") if sil != sil else fmt.decimal(round(sil, 3), 3),
            sizes=sizes,
        ),
        file=sys.stderr,
    )
    notes = result.auto.reasons if result.auto is not None else result.warnings
    for note in notes:
        print(tr("note: {note}", note=note), file=sys.stderr)
    if args.report:
        write_report(Path(args.report), features, params, result)


def write_report(path: Path, features, params: SegmentParams, result) -> None:
    """REPORT.json: what was chosen and why (the automatic path's own report, or one
    built the same way for a method the user chose)."""
    import json

    from core.segments import stability

    if result.auto is not None:
        report = result.auto.to_report()
    else:
        q = result.quality
        stab = stability(features, params, n_runs=5, reference=result)
        sil = q["silhouette"]
        clear = sil == sil and sil >= 0.25 and stab.mean_ari >= 0.6
        report = {
            "method": params.method,
            "k": int(q["n_segments"]),
            "features": list(result.features_used),
            "weights": {f: params.weight_of(f) for f in result.features_used},
            "quality": {
                k: (None if v != v else round(float(v), 6))
                for k, v in q.items()
                if isinstance(v, (int, float))
            },
            "stability": {
                "mean_ari": stab.mean_ari,
                "min_ari": stab.min_ari,
                "n_runs": stab.n_runs,
            },
            "structure": "clear" if clear else "weak",
            "reasons": [
                tr(
                    "You chose the method ({method}) and the number of segments; drop "
                    "--method and --k to let PersonaLab choose them from the data.",
                    method=params.method,
                )
            ]
            + list(result.warnings),
        }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2, allow_nan=False), "utf-8")
