FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
WORKDIR /app

COPY pyproject.toml constraints.txt README.md ./
COPY scripts ./scripts
COPY bot ./bot
COPY handlers ./handlers
COPY db ./db
COPY domain ./domain
COPY locales ./locales
COPY alembic.ini ./
RUN pip install -c constraints.txt . \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data && chown bot /app/data

USER bot
VOLUME ["/app/data"]
# BOT_TOKEN is required; DATABASE_URL defaults to an SQLite file in /app/data.
CMD ["python", "-m", "bot"]
