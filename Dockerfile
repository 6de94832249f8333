# behest gateway image: slim, non-root, health-checked. Build: docker build -t behest .
# The install steps are deploy/install.sh, the same script the tests run in a plain venv.
FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml requirements.lock README.md ./
COPY src ./src
COPY deploy/install.sh ./deploy/install.sh
RUN sh deploy/install.sh /opt/behest /src

FROM python:3.11-slim
RUN useradd --system --uid 10001 --user-group --home-dir /var/lib/behest --create-home behest
COPY --from=build /opt/behest /opt/behest
ENV PATH=/opt/behest/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    BEHEST_HOST=0.0.0.0 \
    BEHEST_PORT=8080 \
    BEHEST_DATA_DIR=/var/lib/behest \
    BEHEST_LOG_FORMAT=json
USER behest
WORKDIR /var/lib/behest
EXPOSE 8080
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=2)"]
CMD ["behest", "serve"]
