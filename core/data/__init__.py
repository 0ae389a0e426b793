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
- ``canonical``: writing the canonical ``events``, ``rejected`` and ``users`` tables;
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

from core.data.admission import BASE_MB as ADMISSION_BASE_MB
from core.data.admission import (
    IngestNeed,
    MemoryBudget,
    admitted,
    estimate_need,
    ingest_budget,
    need_for_file,
    ordinal,
    run_admitted,
)
from core.data.canonical import EARLIEST_EVENT_DATE, MAX_AMOUNT, REJECT_REASONS
from core.data.catalogue import (
    Dataset,
    data_dir,
    datasets_dir,
    open_dataset,
    read_rejected,
    remove_stale_work,
)
from core.data.database import DbTable, read_db_table
from core.data.derived import ENGAGED_SQL, write_activity_tables
from core.data.engine import (
    connect,
    dataset_engine,
    duckdb_engine,
    events_table,
    is_duckdb,
    is_spark,
    reflect_table,
    table_exists,
    users_table,
)
from core.data.landed import LoadedSource
from core.data.layout import SCHEMA_VERSION, ensure_current_layout, read_schema_version
from core.data.limits import ReadLimits
from core.data.mapping import (
    canonical_event_type,
    canonical_platform,
    guess_mapping,
    parse_mapping_args,
)
from core.data.pipeline import ingest, preview_source, sample_dataset
from core.data.privacy import (
    PiiColumn,
    PrivacyOptions,
    describe,
    detect_pii,
    hash_sql,
    id_card_checksum_ok,
    kind_by_content,
    kind_by_name,
    resolve_salt,
    value_kind,
)
from core.data.report import REJECTED_SAMPLE_ROWS, IngestReport, Note, note_text, reason_text
from core.data.schema import (
    CANONICAL_EVENT_TYPES,
    CANONICAL_PLATFORMS,
    EVENT_FIELDS,
    PROSPECT_EVENT_TYPES,
    REQUIRED_EVENT_FIELDS,
    USER_FIELDS,
)
from core.data.sources import detect_format, load_source, read_source, source_name
from core.data.synonyms import (
    COLUMN_SYNONYMS,
    CONTENT_FORMAT_SYNONYMS,
    EVENT_TYPE_SYNONYMS,
    PLATFORM_SYNONYMS,
    normalise_key,
)
from core.data.synth import PERSONA_NAMES, PERSONAS, SAMPLE_FILES, generate, write_sample
from core.data.text_reader import detect_encoding, sniff_delimiter
from core.data.timestamps import TIMESTAMP_FORMATS

__all__ = [
    "CANONICAL_EVENT_TYPES",
    "CANONICAL_PLATFORMS",
    "COLUMN_SYNONYMS",
    "CONTENT_FORMAT_SYNONYMS",
    "EARLIEST_EVENT_DATE",
    "ENGAGED_SQL",
    "EVENT_FIELDS",
    "EVENT_TYPE_SYNONYMS",
    "MAX_AMOUNT",
    "PERSONAS",
    "PERSONA_NAMES",
    "PLATFORM_SYNONYMS",
    "PROSPECT_EVENT_TYPES",
    "REJECTED_SAMPLE_ROWS",
    "REJECT_REASONS",
    "REQUIRED_EVENT_FIELDS",
    "SAMPLE_FILES",
    "SCHEMA_VERSION",
    "TIMESTAMP_FORMATS",
    "USER_FIELDS",
    "Dataset",
    "DbTable",
    "IngestReport",
    "Note",
    "LoadedSource",
    "PiiColumn",
    "PrivacyOptions",
    "ReadLimits",
    "canonical_event_type",
    "canonical_platform",
    "connect",
    "data_dir",
    "dataset_engine",
    "datasets_dir",
    "describe",
    "detect_encoding",
    "detect_format",
    "detect_pii",
    "duckdb_engine",
    "ensure_current_layout",
    "events_table",
    "generate",
    "guess_mapping",
    "hash_sql",
    "id_card_checksum_ok",
    "ingest",
    "is_duckdb",
    "is_spark",
    "kind_by_content",
    "kind_by_name",
    "load_source",
    "normalise_key",
    "note_text",
    "open_dataset",
    "parse_mapping_args",
    "preview_source",
    "read_db_table",
    "read_rejected",
    "reason_text",
    "read_schema_version",
    "read_source",
    "reflect_table",
    "remove_stale_work",
    "resolve_salt",
    "sample_dataset",
    "sniff_delimiter",
    "source_name",
    "table_exists",
    "users_table",
    "value_kind",
    "write_activity_tables",
    "ADMISSION_BASE_MB",
    "IngestNeed",
    "MemoryBudget",
    "admitted",
    "estimate_need",
    "ingest_budget",
    "need_for_file",
    "ordinal",
    "run_admitted",
    "write_sample",
]
