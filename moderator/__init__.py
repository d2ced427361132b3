"""Moderator: live public-dialogue conferences (hội nghị tiếp xúc, đối thoại trực tiếp).

Importing the package imports nothing else: `run.py` and the `moderator` command must be able to patch the
process for eventlet (or gevent) before Flask, sockets or threads are imported.
"""


def create_app(*args, **kwargs):
    from .app import create_app as _create_app
    return _create_app(*args, **kwargs)
