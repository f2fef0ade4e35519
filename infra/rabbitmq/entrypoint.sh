#!/bin/sh
# Renders RabbitMQ's boot definitions with the broker password from the compose secret, then hands
# over to the image's own entrypoint (which drops to the rabbitmq user).
#
# Why: definitions.json cannot read a file, and RABBITMQ_DEFAULT_PASS_FILE is rejected by the
# rabbitmq:3.13 image. The rendered file lives on a tmpfs, readable only by the rabbitmq user.
set -eu

secret_file="${ARASUL_RABBITMQ_PASSWORD_FILE:-/run/secrets/rabbitmq_password}"
template=/etc/arasul/rabbitmq/definitions.json
target_dir=/run/arasul-rabbitmq
target="$target_dir/definitions.json"

if [ ! -r "$secret_file" ]; then
  echo "arasul-rabbitmq: cannot read the broker password at $secret_file (see infra/secrets/README.md)" >&2
  exit 1
fi
password="$(tr -d '\r\n' < "$secret_file")"
# The password also appears unescaped in the services' amqp:// URL (rabbitmq_url secret) and in JSON
# here, so only URL- and JSON-safe characters are accepted; `openssl rand -hex` produces those.
case "$password" in
  "" | *[!A-Za-z0-9._~-]*)
    echo "arasul-rabbitmq: the password in $secret_file must be non-empty and use only A-Z a-z 0-9 . _ ~ -" >&2
    exit 1
    ;;
esac

mkdir -p "$target_dir"
umask 077
sed "s/__RABBITMQ_PASSWORD__/$password/" "$template" > "$target.tmp"
mv "$target.tmp" "$target"
chown -R rabbitmq:rabbitmq "$target_dir"
chmod 700 "$target_dir"
chmod 600 "$target"

exec docker-entrypoint.sh "$@"
