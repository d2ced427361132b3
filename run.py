"""Start Moderator: `python run.py [--host H] [--port P] [--demo]` (the same as `moderator serve`)."""
import sys

from moderator.cli import main  # moderator/__init__ and cli import nothing that needs patching

if __name__ == "__main__":
    sys.exit(main())
