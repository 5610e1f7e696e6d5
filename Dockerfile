# Production image: the portal's code and exactly the packages of uv.lock, served by uvicorn
# over ASGI (HTTP and WebSocket in one process). Neither tests/ nor bench/ is copied in
# (.dockerignore).
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1 \
    PATH=/opt/venv/bin:$PATH

WORKDIR /app
# espeak-ng: the offline Vietnamese speech engine for the village loudspeakers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

# uv from its hashed pin, then the lock's runtime packages (no extras): the same bytes as CI.
COPY requirements-uv.txt ./
RUN pip install --require-hashes --no-deps -r requirements-uv.txt
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-install-project
COPY . .
# collectstatic needs settings but no services or secrets beyond a throwaway key.
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R portal:portal /app/media

USER portal
EXPOSE 8000
CMD ["uvicorn", "villageportal.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*", "--lifespan", "off", "--no-access-log"]
