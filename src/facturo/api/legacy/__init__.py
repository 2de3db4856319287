"""The legacy Siigo dialect: ``/connect/token`` and ``/siigo/api/v1/<Resource>/<Action>``,
PascalCase records, pages from 0 as bare arrays (shared/reference/siigo-api.md §1)."""
