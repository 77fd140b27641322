#!/bin/bash
# Run once by the postgres image on an empty data directory: one database per service
# (TTS_DATABASES, space-separated), owned by the application role.
set -euo pipefail
for database in ${TTS_DATABASES:-tts_auth tts_tickets tts_workflow tts_chat tts_notify}; do
  echo "init: creating database $database"
  psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
    -c "CREATE DATABASE \"$database\" OWNER \"$POSTGRES_USER\""
done
