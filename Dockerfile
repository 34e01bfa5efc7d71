# The one application image: API, Temporal worker, choreography relay and
# consumers, and the migrations all run from it (docker-compose.yml picks the
# command). The source tree lives in /app and is installed in editable mode, so
# migrations/ and alembic.ini are found beside the packages, as in a checkout.
FROM python:3.11.13-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    VIRTUAL_ENV=/opt/venv \
    PATH=/opt/venv/bin:$PATH

RUN groupadd --system --gid 10001 pizzeria \
    && useradd --system --uid 10001 --gid pizzeria --home-dir /app --shell /usr/sbin/nologin pizzeria \
    && python -m venv /opt/venv

WORKDIR /app

# Dependencies first, from the pins in pyproject.toml, so a code change does
# not reinstall them.
COPY pyproject.toml ./
RUN python -c "import tomllib; print('\n'.join(tomllib.load(open('pyproject.toml', 'rb'))['project']['dependencies']))" \
        > /tmp/requirements.txt \
    && pip install --requirement /tmp/requirements.txt \
    && rm /tmp/requirements.txt

COPY . .
RUN pip install --no-deps --editable . \
    && mkdir -p /app/.data \
    && chown pizzeria:pizzeria /app/.data

USER pizzeria:pizzeria
ENV PIZZERIA_ENV=production \
    PIZZERIA_API_HOST=0.0.0.0

EXPOSE 8000
CMD ["pizzeria", "--help"]
