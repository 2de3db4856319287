"""The pages, one module per feature, each with the same verbs: ``index`` (the list),
``new``/``create``, ``show``, ``edit``/``update`` and named actions (POST). Every module here
exposes ``router``; the app mounts them all under ``/app``."""

from __future__ import annotations

import importlib
import pkgutil

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    found: list[APIRouter] = []
    for module in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        loaded = importlib.import_module(f"{__name__}.{module.name}")
        router = getattr(loaded, "router", None)
        if isinstance(router, APIRouter):
            found.append(router)
    return found
