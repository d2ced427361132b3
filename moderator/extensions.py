"""Extension objects, created unbound so that blueprints can import them (Flask's app-factory pattern)."""
from flask_babel import Babel
from flask_socketio import SocketIO

socketio = SocketIO()
babel = Babel()
