"""Web layer: blueprints, API, sockets. Screen issues add their blueprints to `extra_blueprints`."""


def extra_blueprints():
    """Blueprints beyond the core pages (delegate, admin, exports, ...), registered by the app factory."""
    found = []
    import importlib
    for name in ("delegate", "admin", "secretary", "chair", "projector", "unit", "public"):
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as e:
            if e.name != f"{__name__}.{name}":
                raise
            continue
        found.extend(getattr(mod, "blueprints", lambda: [getattr(mod, "bp")])())
    return found
