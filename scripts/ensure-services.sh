#!/bin/sh
# Makes sure the database servers the tests talk to are up, starting them when they are not.
# The machines this project runs on have PostgreSQL and MariaDB installed from Debian's packages.
set -eu

pg_up() { pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; }
mariadb_up() { mariadb-admin --protocol=tcp -h 127.0.0.1 -P 3306 -u root ping >/dev/null 2>&1; }

wait_for() { # name check
  i=0
  until $2; do
    i=$((i + 1))
    if [ "$i" -gt 60 ]; then echo "ensure-services: $1 did not come up" >&2; exit 1; fi
    sleep 0.5
  done
}

if ! pg_up; then
  echo "ensure-services: starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  wait_for PostgreSQL pg_up
fi

if command -v mariadbd >/dev/null 2>&1 && ! mariadb_up; then
  echo "ensure-services: starting MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_for MariaDB mariadb_up
fi

# Debian packages the tests drive: Chromium for the web console's end-to-end tests (never a
# downloaded browser), zsh and fish for the command line's completion scripts.
CHROMIUM="${OPENMMS_CHROMIUM:-/usr/bin/chromium}"
missing=""
[ -x "$CHROMIUM" ] || missing="chromium"
for shell in zsh fish; do
  command -v "$shell" >/dev/null 2>&1 || missing="$missing $shell"
done
if [ -n "$missing" ]; then
  echo "ensure-services: installing Debian's$missing for the tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  install_packages() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $missing >/dev/null; }
  install_packages || { $SUDO apt-get update -q >/dev/null && install_packages; }
fi
