# syntax=docker/dockerfile:1
# The base is overridable so the image can be built where no registry is reachable
# (see the README, "Container"): --build-arg BASE=localhost/base:py
ARG BASE=python:3.12-slim

FROM ${BASE} AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY monitor ./monitor
COPY rules ./rules
COPY state ./state
RUN python3 -m venv /opt/treatywatch \
    && /opt/treatywatch/bin/pip install --no-cache-dir --disable-pip-version-check . \
    && /opt/treatywatch/bin/treatywatch --version

FROM ${BASE}
RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin treatywatch \
    && mkdir -p /app/state \
    && chown treatywatch:treatywatch /app/state
COPY --from=build /opt/treatywatch /opt/treatywatch
ENV PATH=/opt/treatywatch/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /app
VOLUME ["/app/state"]
USER 10001
EXPOSE 8080
# A config file mounted at /app/treatywatch.yaml is used automatically; or set
# TREATYWATCH_CONFIG to its path. Without one, the embedded defaults run.
ENTRYPOINT ["treatywatch"]
CMD ["run"]
