"""Storage behind one interface (base.Storage); SQLite first, PostgreSQL next."""

from .base import Storage, StorageError, StorageUnavailable

__all__ = ["Storage", "StorageError", "StorageUnavailable"]
