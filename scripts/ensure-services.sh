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

# The web console's end-to-end tests drive Debian's Chromium (never a downloaded browser).
CHROMIUM="${OPENMMS_CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  echo "ensure-services: installing Debian's chromium for the web console tests"
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  install_chromium() { $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null; }
  install_chromium || { $SUDO apt-get update -q >/dev/null && install_chromium; }
fi
