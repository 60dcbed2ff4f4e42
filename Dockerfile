# GapWatch worker and CLI: slim, non-root, classifier trained at build time.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    GAPWATCH_ASSETS_DIR=/app/models \
    GAPWATCH_INFRA_DIR=/app/infra \
    GAPWATCH_MODEL_DIR=/opt/gapwatch/model \
    GAPWATCH_DATA_DIR=/var/lib/gapwatch \
    GAPWATCH_WEB_BIND=0.0.0.0

RUN groupadd --system gapwatch && useradd --system --gid gapwatch --home /var/lib/gapwatch gapwatch

WORKDIR /app
COPY pyproject.toml README.md ./
COPY pipeline ./pipeline
COPY models ./models
COPY infra ./infra
RUN pip install . \
    # The model is built now, so workers start without training.
    && python -c "from pipeline.config import Settings; from pipeline.classifier import load_or_build; s = Settings.from_env(); load_or_build(s.model_dir, s.assets_dir)" \
    # The model directory too: `gapwatch train` in a container replaces the model there.
    && mkdir -p /var/lib/gapwatch && chown -R gapwatch:gapwatch /var/lib/gapwatch /opt/gapwatch

USER gapwatch
EXPOSE 6066
ENTRYPOINT ["gapwatch"]
CMD ["worker"]
