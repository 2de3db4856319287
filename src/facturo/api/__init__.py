"""The HTTP faces: the legacy Siigo dialect (and, later, the current one) over the services."""
