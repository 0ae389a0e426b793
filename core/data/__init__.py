"""From a user's file or database table to a validated, canonical DuckDB dataset.

Modules, in the order data flows through them:

- ``sources``: landing an input in DuckDB, by format (Parquet and JSON lines read here);
- ``text_reader``, ``xlsx_reader``: CSV/TSV (encodings, delimiters) and Excel workbooks;
- ``database``: tables of a user's own database (:class:`DbTable`);
- ``limits``: what one input file may hold (:class:`ReadLimits`), checked while reading;
- ``landed``: :class:`LoadedSource`, what every reader returns;
- ``schema``: the canonical event and user fields, event types and platforms;
- ``synonyms``: what column names and values mean, as synonym tables (English and Chinese);
- ``mapping``: which source column is which field (:func:`guess_mapping`), canonical names;
- ``privacy``: finding personal data and pseudonymising it with a secret salt;
- ``timestamps``: reading the many date formats of a time column;
- ``first_read``: one pass over an events source for its samples and value lists;
- ``canonical``: writing the canonical ``events`` and ``rejected`` tables;
- ``canonical_users``: writing the canonical ``users`` table;
- ``derived``: the derived tables Explore reads (integer user keys, one row per active day);
- ``report``: :class:`IngestReport`, what an ingest read, kept and rejected;
- ``pipeline``: :func:`ingest`, the whole load, plus :func:`preview_source` and the sample;
- ``admission``: the memory budget for loads, their queue and place in line;
- ``layout``: the dataset layout version, and upgrading older dataset files on open;
- ``catalogue``: where datasets live, :func:`open_dataset`, cleaning up dead ingests;
- ``engine``: SQLAlchemy engines on datasets and on users' own databases;
- ``spark``, ``spark_dbapi``: Apache Spark as one more SQLAlchemy engine (``spark://`` URLs);
- ``portable``: the few date expressions each engine spells its own way;
- ``synth``: the synthetic sample with planted personas;
- ``casegen``: validation cases with known groups (tests and benchmarks).
"""

import importlib
from typing import Any

# Names are imported from their modules on first use (PEP 562): ``from core.data import
# ingest`` on the command line then loads the ingest modules only, not SQLAlchemy, the
# engines or the synthetic sample (about a second of imports before a load starts).
_EXPORTS: dict[str, tuple[str, str]] = {
    "CANONICAL_EVENT_TYPES": ("core.data.schema", "CANONICAL_EVENT_TYPES"),
    "CANONICAL_PLATFORMS": ("core.data.schema", "CANONICAL_PLATFORMS"),
    "COLUMN_SYNONYMS": ("core.data.synonyms", "COLUMN_SYNONYMS"),
    "CONTENT_FORMAT_SYNONYMS": ("core.data.synonyms", "CONTENT_FORMAT_SYNONYMS"),
    "EARLIEST_EVENT_DATE": ("core.data.canonical", "EARLIEST_EVENT_DATE"),
    "ENGAGED_SQL": ("core.data.derived", "ENGAGED_SQL"),
    "EVENT_FIELDS": ("core.data.schema", "EVENT_FIELDS"),
    "EVENT_TYPE_SYNONYMS": ("core.data.synonyms", "EVENT_TYPE_SYNONYMS"),
    "MAX_AMOUNT": ("core.data.canonical", "MAX_AMOUNT"),
    "PERSONAS": ("core.data.synth", "PERSONAS"),
    "PERSONA_NAMES": ("core.data.synth", "PERSONA_NAMES"),
    "PLATFORM_SYNONYMS": ("core.data.synonyms", "PLATFORM_SYNONYMS"),
    "PROSPECT_EVENT_TYPES": ("core.data.schema", "PROSPECT_EVENT_TYPES"),
    "REJECTED_SAMPLE_ROWS": ("core.data.report", "REJECTED_SAMPLE_ROWS"),
    "REJECT_REASONS": ("core.data.canonical", "REJECT_REASONS"),
    "REQUIRED_EVENT_FIELDS": ("core.data.schema", "REQUIRED_EVENT_FIELDS"),
    "SAMPLE_FILES": ("core.data.synth", "SAMPLE_FILES"),
    "SCHEMA_VERSION": ("core.data.layout", "SCHEMA_VERSION"),
    "TIMESTAMP_FORMATS": ("core.data.timestamps", "TIMESTAMP_FORMATS"),
    "USER_FIELDS": ("core.data.schema", "USER_FIELDS"),
    "Dataset": ("core.data.catalogue", "Dataset"),
    "DbTable": ("core.data.database", "DbTable"),
    "IngestReport": ("core.data.report", "IngestReport"),
    "Note": ("core.data.report", "Note"),
    "LoadedSource": ("core.data.landed", "LoadedSource"),
    "PiiColumn": ("core.data.privacy", "PiiColumn"),
    "PrivacyOptions": ("core.data.privacy", "PrivacyOptions"),
    "ReadLimits": ("core.data.limits", "ReadLimits"),
    "canonical_event_type": ("core.data.mapping", "canonical_event_type"),
    "canonical_platform": ("core.data.mapping", "canonical_platform"),
    "connect": ("core.data.engine", "connect"),
    "data_dir": ("core.data.catalogue", "data_dir"),
    "dataset_engine": ("core.data.engine", "dataset_engine"),
    "datasets_dir": ("core.data.catalogue", "datasets_dir"),
    "describe": ("core.data.privacy", "describe"),
    "detect_encoding": ("core.data.text_reader", "detect_encoding"),
    "detect_format": ("core.data.sources", "detect_format"),
    "detect_pii": ("core.data.privacy", "detect_pii"),
    "duckdb_engine": ("core.data.engine", "duckdb_engine"),
    "ensure_current_layout": ("core.data.layout", "ensure_current_layout"),
    "events_table": ("core.data.engine", "events_table"),
    "generate": ("core.data.synth", "generate"),
    "guess_mapping": ("core.data.mapping", "guess_mapping"),
    "hash_sql": ("core.data.privacy", "hash_sql"),
    "id_card_checksum_ok": ("core.data.privacy", "id_card_checksum_ok"),
    "ingest": ("core.data.pipeline", "ingest"),
    "is_duckdb": ("core.data.engine", "is_duckdb"),
    "is_spark": ("core.data.engine", "is_spark"),
    "kind_by_content": ("core.data.privacy", "kind_by_content"),
    "kind_by_name": ("core.data.privacy", "kind_by_name"),
    "load_source": ("core.data.sources", "load_source"),
    "normalise_key": ("core.data.synonyms", "normalise_key"),
    "note_text": ("core.data.report", "note_text"),
    "open_dataset": ("core.data.catalogue", "open_dataset"),
    "parse_mapping_args": ("core.data.mapping", "parse_mapping_args"),
    "preview_source": ("core.data.pipeline", "preview_source"),
    "read_db_table": ("core.data.database", "read_db_table"),
    "read_rejected": ("core.data.catalogue", "read_rejected"),
    "reason_text": ("core.data.report", "reason_text"),
    "read_schema_version": ("core.data.layout", "read_schema_version"),
    "read_source": ("core.data.sources", "read_source"),
    "reflect_table": ("core.data.engine", "reflect_table"),
    "remove_stale_work": ("core.data.catalogue", "remove_stale_work"),
    "resolve_salt": ("core.data.privacy", "resolve_salt"),
    "sample_dataset": ("core.data.pipeline", "sample_dataset"),
    "sniff_delimiter": ("core.data.text_reader", "sniff_delimiter"),
    "source_name": ("core.data.sources", "source_name"),
    "table_exists": ("core.data.engine", "table_exists"),
    "users_table": ("core.data.engine", "users_table"),
    "value_kind": ("core.data.privacy", "value_kind"),
    "write_activity_tables": ("core.data.derived", "write_activity_tables"),
    "ADMISSION_BASE_MB": ("core.data.admission", "BASE_MB"),
    "IngestNeed": ("core.data.admission", "IngestNeed"),
    "MemoryBudget": ("core.data.admission", "MemoryBudget"),
    "admitted": ("core.data.admission", "admitted"),
    "estimate_need": ("core.data.admission", "estimate_need"),
    "ingest_budget": ("core.data.admission", "ingest_budget"),
    "need_for_file": ("core.data.admission", "need_for_file"),
    "ordinal": ("core.data.admission", "ordinal"),
    "run_admitted": ("core.data.admission", "run_admitted"),
    "write_sample": ("core.data.synth", "write_sample"),
}

__all__ = list(_EXPORTS)


def __getattr__(name: str) -> Any:
    try:
        module, attribute = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
    value = getattr(importlib.import_module(module), attribute)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
