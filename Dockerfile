# PersonaLab as a container image: Streamlit on port 8501, saved work in /data.
# Build:  docker build -t personalab .
# Run:    docker run -p 8501:8501 -v personalab-data:/data personalab
# Options (environment): PERSONALAB_DATABASE_URL (PostgreSQL for saved work),
# PERSONALAB_PASSWORD (workshop password), PERSONALAB_SALT (secret salt for hashing PII).
# See docs/deploy.md.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PERSONALAB_DATA_DIR=/data

# curl for the health check; a CJK font so Chinese labels render in exported charts/PDFs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl fonts-noto-cjk libgomp1 \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt

# Unprivileged user owning only the data volume.
RUN useradd --create-home --uid 10001 personalab \
    && mkdir -p /data \
    && chown personalab:personalab /data
# Copy only what the app needs (never a local .personalab/ data folder or .git).
COPY --chown=personalab:personalab .streamlit/config.toml .streamlit/config.toml
COPY --chown=personalab:personalab app.py pyproject.toml ./
COPY --chown=personalab:personalab core core
COPY --chown=personalab:personalab ui ui
COPY --chown=personalab:personalab app_pages app_pages
COPY --chown=personalab:personalab sample_data sample_data

USER personalab
VOLUME ["/data"]
EXPOSE 8501

HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD curl --fail --silent http://127.0.0.1:8501/_stcore/health || exit 1

CMD ["python", "-m", "streamlit", "run", "app.py", \
     "--server.port=8501", "--server.address=0.0.0.0", "--server.headless=true", \
     "--browser.gatherUsageStats=false"]
