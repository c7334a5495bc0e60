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
# BOT_TOKEN is required; DATABASE_URL defaults to an SQLite file in /app/data.
CMD ["python", "-m", "bot"]
