# One image for web, worker and beat (docker-compose.yml).
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml README.md ./
COPY tracker ./tracker
COPY agreements ./agreements
RUN pip install --no-cache-dir .
COPY . .
# The translations, compiled from locale/*/LC_MESSAGES/django.po (the compiled files are never committed).
RUN python scripts/compile_messages.py
# Production settings (manifest storage, as the web process uses): never DEBUG. The key and host exist only for this
# step (a RUN's variables are not in the image); at run time SECRET_KEY must come from the environment.
RUN SECRET_KEY=collectstatic-only-not-a-secret-never-used-at-run-time-0123456789 ALLOWED_HOSTS=localhost \
    python manage.py collectstatic --noinput
RUN useradd --system --home /app tracker && mkdir -p /app/var && chown tracker /app/var
USER tracker
EXPOSE 8000
CMD ["gunicorn", "tracker.wsgi", "--bind", "0.0.0.0:8000", "--workers", "2", "--access-logfile", "-"]
