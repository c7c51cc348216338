# syntax=docker/dockerfile:1
# treatywatch as a container: `treatywatch run` as a non-root user, state in the /app/state
# volume, the HTTP server (health, metrics, dashboard) on 8080.
#
# The base is overridable so that the image can be built where no registry is reachable
# (see README, "Container"): --build-arg BASE=localhost/base:py. Python 3.11 or newer.
ARG BASE=python:3.12-slim

# --- build: a virtualenv with the pinned dependencies (requirements.lock, hashed) and the app
FROM ${BASE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python3 -m venv /opt/treatywatch
COPY requirements.lock ./
RUN /opt/treatywatch/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY rules ./rules
COPY state ./state
# --no-deps: everything comes from the lock; `pip check` fails the build if the lock misses a
# dependency of pyproject.toml (run `make lock`). The build tools leave afterwards (sqlite-utils
# names pip as a dependency only for its own `install` command).
RUN /opt/treatywatch/bin/pip install --no-deps --no-build-isolation . \
    && /opt/treatywatch/bin/pip check \
    && /opt/treatywatch/bin/treatywatch --version \
    && /opt/treatywatch/bin/python -m pip uninstall --yes --quiet setuptools pip

# --- runtime: the base plus the virtualenv, nothing installed at start-up
FROM ${BASE}
RUN useradd --system --uid 10001 --user-group --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin treatywatch \
    && mkdir -p /app/state \
    && chown 10001:10001 /app/state
COPY --from=build /opt/treatywatch /opt/treatywatch
# TREATYWATCH_SERVER_BIND: listen on all addresses inside the container (a value in the config
# file wins). Binding beyond loopback needs server.auth, e.g. TREATYWATCH_SERVER_TOKEN.
# XDG_CACHE_HOME: compiled rules are cached on the state volume (the home folder is read-only).
# TREATYWATCH_STATE_DIR: the database lives on the volume (outside a container the default is
# ./data); a state_dir in the config file wins.
ENV PATH=/opt/treatywatch/bin:$PATH \
    TREATYWATCH_STATE_DIR=/app/state \
    XDG_CACHE_HOME=/app/state/cache \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TZ=UTC \
    TREATYWATCH_SERVER_BIND=0.0.0.0
WORKDIR /app
VOLUME ["/app/state"]
USER 10001:10001
EXPOSE 8080
# `treatywatch healthcheck` asks the service's own /healthz (no curl in the image).
HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
    CMD ["treatywatch", "healthcheck"]
STOPSIGNAL SIGTERM
# A config mounted at /app/treatywatch.yaml is found automatically, or set TREATYWATCH_CONFIG.
ENTRYPOINT ["treatywatch"]
CMD ["run"]
