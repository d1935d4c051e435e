"""minutebook: committee papers in, a SQLite database of decisions out."""
__version__ = "0.1.0"
