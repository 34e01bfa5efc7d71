"""``python -m api [--host H] [--port P]``: the API alone, without loading the whole CLI."""

import argparse

from api.server import serve

parser = argparse.ArgumentParser(prog="python -m api", description="Serve the HTTP API.")
parser.add_argument("--host", help="bind address (default: PIZZERIA_API_HOST)")
parser.add_argument("--port", type=int, help="port (default: PIZZERIA_API_PORT)")
arguments = parser.parse_args()
raise SystemExit(serve(arguments.host, arguments.port))
