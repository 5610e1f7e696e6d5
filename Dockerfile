# Production image: the portal's code and its dependencies, served by Daphne over ASGI.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# espeak-ng: the offline Vietnamese speech engine for the village loudspeakers.
RUN apt-get update \
    && apt-get install -y --no-install-recommends espeak-ng \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --create-home --uid 1000 portal

COPY pyproject.toml README.md ./
RUN pip install .
COPY . .
# collectstatic needs settings but no services or secrets beyond a throwaway key.
RUN DJANGO_SECRET_KEY=build-only DJANGO_DEBUG=false python manage.py collectstatic --noinput \
    && mkdir -p /app/media && chown -R portal:portal /app/media

USER portal
EXPOSE 8000
CMD ["uvicorn", "villageportal.asgi:application", "--host", "0.0.0.0", "--port", "8000", "--proxy-headers", "--forwarded-allow-ips", "*", "--lifespan", "off", "--no-access-log"]
