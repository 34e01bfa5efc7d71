"""The ``pizzeria`` command: run the stack (up), its pieces (worker, api) and a demo."""
