"""Web layer: one blueprint (or two) per feature, the JSON API, and the Socket.IO handlers."""


def all_blueprints():
    """Every blueprint, importing each feature module (their @operation endpoints join the API on import)."""
    from . import admin, aftercare, chair, delegate, follow, pages, secretary
    return [*pages.blueprints(), *delegate.blueprints(), *admin.blueprints(), chair.bp, *secretary.blueprints(),
            *follow.blueprints(), *aftercare.blueprints()]
