#!/bin/sh
# Create (or upgrade) Temporal's two PostgreSQL databases. Safe to run on every
# `docker compose up`: create-database ignores an existing database,
# setup-schema keeps a version above 0.0, update-schema applies only what is new.
# Connection comes from SQL_PLUGIN, SQL_HOST, SQL_PORT, SQL_USER, SQL_PASSWORD.
set -eu

schema_root=/etc/temporal/schema/postgresql/v12

setup() {
    database=$1
    versioned=$2
    echo "temporal-schema: ${database}"
    temporal-sql-tool --database "${database}" create-database
    temporal-sql-tool --database "${database}" setup-schema -v 0.0
    temporal-sql-tool --database "${database}" update-schema -d "${schema_root}/${versioned}/versioned"
}

setup "${TEMPORAL_DB:-temporal}" temporal
setup "${TEMPORAL_VISIBILITY_DB:-temporal_visibility}" visibility
echo "temporal-schema: done"
