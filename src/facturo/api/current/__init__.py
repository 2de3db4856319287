"""The current Siigo API (``POST /auth``, ``/v1/...``): snake_case REST over the same services."""
