#!/bin/sh
# The release step that needs the database, run once per release before the new processes start:
#   sh deploy/migrate.sh        (from the code directory, with the application's environment)
#
# Two PostgreSQL roles (deploy/README.md, "Database roles"):
#   MIGRATE_DATABASE_URL  the owner of the tables: runs the migrations. Only this step has it.
#   DATABASE_URL          the application's role, which owns nothing: web, workers and beat.
# After migrating, the owner grants the application's role its privileges again (idempotent), so
# that tables a migration created are covered and the append-only ones stay append-only.
set -eu

: "${MIGRATE_DATABASE_URL:?MIGRATE_DATABASE_URL (the owner of the tables) is not set}"
: "${DATABASE_URL:?DATABASE_URL (the application role) is not set}"
PYTHON=${PYTHON:-python}

app_role=$("$PYTHON" -c 'import os, urllib.parse as u
print(u.unquote(u.urlsplit(os.environ["DATABASE_URL"]).username or ""))')
[ -n "$app_role" ] || { echo "migrate.sh: DATABASE_URL names no user" >&2; exit 2; }

DATABASE_URL=$MIGRATE_DATABASE_URL "$PYTHON" manage.py migrate --noinput
DATABASE_URL=$MIGRATE_DATABASE_URL "$PYTHON" manage.py db_grant_app_role "$app_role"
