#!/bin/sh
# Keycloak's own database on the shared PostgreSQL server. Keycloak creates its
# tables but not the database; safe to run on every `docker compose up`.
# Connection comes from PGHOST, PGUSER, PGPASSWORD.
set -eu

exists=$(psql -d pizzeria -tAc "SELECT 1 FROM pg_database WHERE datname = 'keycloak'")
if [ "${exists}" != "1" ]; then
    psql -d pizzeria -c "CREATE DATABASE keycloak"
fi
echo "keycloak-db: done"
