"""The HTTP API: FastAPI app, one router per resource, and the OrderGateway port it drives."""
