"""Database layer: models, engine, migrations."""
from db.base import Base
from db.engine import create_engine_and_sessionmaker

__all__ = ["Base", "create_engine_and_sessionmaker"]
