"""The business rules of Facturo, in plain Python.

Nothing here knows about SQL, HTTP or XML, and nothing here imports the rest of the
project: faces and services depend on the domain, never the other way round.
"""
