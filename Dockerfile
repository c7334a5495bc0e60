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
# The bot runs from /app, which its user cannot write: compile the code and parse the locales
# here, once (with PYTHONDONTWRITEBYTECODE every start would compile ~25,000 lines and parse
# the Fluent files again before the first answer; bot/i18n.py keeps the parsed locales).
RUN pip install -c constraints.txt . \
    && python -m compileall -q bot handlers db domain \
    && python -c "from bot.i18n import Translator; Translator()" \
    && test -n "$(ls locales/__pycache__/ftl-*.pickle)" \
    && useradd --create-home --uid 10001 bot \
    && mkdir -p /app/data && chown bot /app/data

USER bot
VOLUME ["/app/data"]
# Health, metrics and (BOT_MODE=webhook) the webhook: bot/health.py, on HTTP_PORT.
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD python -c "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/livez' % os.environ.get('HTTP_PORT', '8080'), timeout=4)"
# BOT_TOKEN is required; DATABASE_URL defaults to an SQLite file in /app/data.
CMD ["python", "-m", "bot"]
