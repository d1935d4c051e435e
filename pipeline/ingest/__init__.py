"""One module per input format; `auto.ingest` picks one by what the bytes are, not what the name says."""
from .auto import IngestError, detect, ingest  # noqa: F401
