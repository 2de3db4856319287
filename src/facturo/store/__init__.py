"""Persistence: tables, migrations, the mapping of domain objects, repositories, unit of work."""
