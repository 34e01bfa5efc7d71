"""The ``pizzeria`` command: a thin Typer app; each subcommand lives in its own module."""

import typer

from cli import audit, bench, choreo, codec_key, demo, migrate, serve, token, up

app = typer.Typer(
    name="pizzeria",
    help="Mario's Pizzeria: run the stack, its pieces, and a demo.",
    no_args_is_help=True,
    add_completion=False,
)

app.command("up")(up.up)
app.command("worker")(serve.worker)
app.command("api")(serve.api)
app.command("demo")(demo.demo)
app.command("migrate")(migrate.migrate)
app.command("bench")(bench.bench)
app.command("audit")(audit.audit_command)
app.command("token")(token.token)
app.command("codec-key")(codec_key.codec_key)
app.command("relay")(choreo.relay)
app.command("consumers")(choreo.consumers)
app.add_typer(choreo.deadletters, name="deadletters")
