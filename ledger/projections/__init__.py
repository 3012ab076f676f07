"""Read models rebuilt from the events alone, tracked with eventsourcing-sqlalchemy."""

from .runner import Projections

__all__ = ["Projections"]
