#!/bin/sh
# Make the Temporal server ready for the pizzeria: wait until it serves, create
# the namespace if it is missing, and register the order search attributes
# (workflows/names.py: SEARCH_ATTRIBUTES). Every step is idempotent.
# Needs the `temporal` CLI and TEMPORAL_ADDRESS; TEMPORAL_NAMESPACE defaults to "default".
set -eu

namespace=${TEMPORAL_NAMESPACE:-default}
attempts=${TEMPORAL_WAIT_ATTEMPTS:-90}

# Run "$@" until it succeeds, at most $attempts times, 2 s apart.
retry() {
    tries=1
    until "$@"; do
        if [ "${tries}" -ge "${attempts}" ]; then
            echo "temporal-setup: gave up after ${attempts} tries: $*" >&2
            exit 1
        fi
        tries=$((tries + 1))
        sleep 2
    done
}

serving() {
    temporal operator cluster health 2>/dev/null | grep -q SERVING
}

ensure_namespace() {
    if temporal operator namespace describe --namespace "${namespace}" >/dev/null 2>&1; then
        echo "temporal-setup: namespace ${namespace} exists"
    else
        temporal operator namespace create --namespace "${namespace}" --retention "${TEMPORAL_RETENTION:-72h}"
        echo "temporal-setup: namespace ${namespace} created"
    fi
}

# A new namespace reaches every frontend's cache a few seconds after it is
# created, so the first calls against it may answer "not found": retry them.
ensure_search_attribute() {
    name=$1
    type=$2
    listed=$(temporal operator search-attribute list --namespace "${namespace}") || return 1
    if echo "${listed}" | grep -qw "${name}"; then
        echo "temporal-setup: search attribute ${name} exists"
    else
        temporal operator search-attribute create --namespace "${namespace}" \
            --name "${name}" --type "${type}" || return 1
        echo "temporal-setup: search attribute ${name} (${type}) created"
    fi
}

retry serving
ensure_namespace
retry ensure_search_attribute OrderStatus Keyword
retry ensure_search_attribute CustomerId Keyword
retry ensure_search_attribute OrderTotal Double
retry ensure_search_attribute PizzaCount Int
retry ensure_search_attribute NeedsAttention Bool
echo "temporal-setup: done"
