"""The pure domain: events, aggregates, the registry, the schema, and the case fold. No I/O."""
