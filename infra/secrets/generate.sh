#!/usr/bin/env bash
# Creates the compose secrets in ./secrets that do not exist yet, and (re)derives the two URL secrets
# from the passwords they embed. Idempotent: an existing secret is never replaced, so running it again
# (or after adding a new secret to docker-compose.yml) only fills the gaps.
#
#   infra/secrets/generate.sh [secrets-dir]      default: <repo>/secrets
#
# See infra/secrets/README.md for what each file is and how to rotate one.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${1:-$ROOT/secrets}"

say() { printf '==> %s\n' "$*"; }
die() { printf 'generate-secrets: %s\n' "$*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl is required (apt-get install openssl)"

umask 077
mkdir -p "$DIR"
chmod 700 "$DIR"
# Never commit what is in here.
[[ -f "$DIR/.gitignore" ]] || printf '*\n' >"$DIR/.gitignore"

# Readable inside the containers: compose (without swarm) bind-mounts a secret file with its host
# owner and mode, and the services run as non-root users (node, postgres, rabbitmq). The directory
# (0700) is what keeps other users of the host out.
publish() { chmod 0444 "$1"; }

# Random secrets: 32 random bytes, hex-encoded (URL-, JSON- and shell-safe).
RANDOM_SECRETS=(
  postgres_admin_password # superuser `postgres` of the postgres container
  postgres_password       # role `arasul` (arasul_db), created by the migrate service
  data_db_password        # role `arasul_data` (arasul_data_db), created by the migrate service
  rabbitmq_password       # broker user `arasul`
  jwt_secret              # signs access tokens (gateway, auth)
  internal_secret         # service-to-service requests
  telegram_encryption_key # AES-256-GCM key for bot tokens at rest (never the JWT secret)
  minio_root_password     # MinIO root user (MINIO_ROOT_USER in .env)
)

for name in "${RANDOM_SECRETS[@]}"; do
  file="$DIR/$name"
  if [[ -s "$file" ]]; then continue; fi
  openssl rand -hex 32 >"$file"
  publish "$file"
  say "created secrets/$name"
done

# Derived secrets: a URL cannot be read from a file piece by piece, so the whole URL is a secret of its
# own. Rewritten whenever the password it embeds changed (rotation = edit the password, run this again).
derive() { # name content
  local file="$DIR/$1"
  if [[ -s "$file" && "$(cat "$file")" == "$2" ]]; then return; fi
  rm -f "$file" # it is read-only (0444) once published
  printf '%s\n' "$2" >"$file"
  publish "$file"
  say "wrote secrets/$1"
}
derive postgres_admin_url "postgres://postgres:$(tr -d '\r\n' <"$DIR/postgres_admin_password")@postgres:5432/postgres"
derive rabbitmq_url "amqp://arasul:$(tr -d '\r\n' <"$DIR/rabbitmq_password")@rabbitmq:5672"

# The update signing key pair is made once by the vendor; the appliance only holds the public half.
if [[ ! -s "$DIR/update_signing_public_key" ]]; then
  cat >&2 <<MSG
generate-secrets: secrets/update_signing_public_key is missing.
  Copy the PEM public key of the update signing key pair there (it is not generated here: a key
  made on this box would accept packages signed by this box, not by the vendor), then:
    chmod 0444 $DIR/update_signing_public_key
MSG
  exit 2
fi
publish "$DIR/update_signing_public_key"
say "all secrets present in $DIR"
