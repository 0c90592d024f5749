#!/usr/bin/env bash
# Installs chorus as a systemd service on this machine: a release build, the binary, a dedicated user,
# the configuration and rules, the unit, and — when a database is named — the schema and its roles.
#
#   sudo Deploy/install.sh                              # embedded PostgreSQL under /var/lib/chorus
#   sudo Deploy/install.sh --database 'host=/run/postgresql dbname=chorus'   # an existing server
#
# Safe to run again: it upgrades the binary and the schema and keeps an existing configuration and rules.
set -euo pipefail
cd "$(dirname "$0")/.."

database=""
prefix=/usr/local
while [ $# -gt 0 ]; do
  case "$1" in
    --database) database="$2"; shift 2 ;;
    --prefix) prefix="$2"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown argument $1" >&2; exit 64 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: run as root (it creates a user and installs a systemd unit)" >&2
  exit 77
fi
if ! command -v swift >/dev/null 2>&1 && [ -x /opt/swift/usr/bin/swift ]; then
  export PATH="/opt/swift/usr/bin:$PATH"
fi

echo "==> release build"
# A dynamic build: --static-swift-stdlib fails when FoundationNetworking is linked (no libcurl dev files).
swift build -c release --product chorus
binary="$(swift build -c release --show-bin-path)/chorus"

echo "==> binary and the Swift runtime it needs"
install -d "$prefix/bin" "$prefix/lib/chorus" "$prefix/share/doc/chorus"
install -m 0755 "$binary" "$prefix/bin/chorus"
# The dynamic build needs the toolchain's runtime libraries; copy those it links unless the system has them.
ldd "$binary" | awk '/=> \/opt\/swift/ { print $3 }' | while read -r library; do
  install -m 0644 "$library" "$prefix/lib/chorus/"
done
if [ -n "$(ls -A "$prefix/lib/chorus" 2>/dev/null)" ]; then
  echo "$prefix/lib/chorus" > /etc/ld.so.conf.d/chorus.conf
  ldconfig
fi
install -m 0644 Deploy/README.md "$prefix/share/doc/chorus/README.md"

echo "==> user chorus"
if ! id chorus >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/chorus --no-create-home --shell /usr/sbin/nologin chorus
fi

echo "==> configuration and rules (kept when present)"
install -d -m 0755 /etc/chorus
if [ ! -e /etc/chorus/chorus.json5 ]; then
  install -m 0640 -g chorus Deploy/chorus.json5 /etc/chorus/chorus.json5
  if [ -n "$database" ]; then
    python3 - "$database" <<'PY'
import json, re, sys
path = "/etc/chorus/chorus.json5"
text = open(path).read()
text = re.sub(r'^  database: .*$', '  database: ' + json.dumps(sys.argv[1]) + ',', text, count=1, flags=re.M)
open(path, "w").write(text)
PY
  else
    sed -i 's|^  database: |  // database: |' /etc/chorus/chorus.json5
  fi
fi
if [ ! -e /etc/chorus/Rules ]; then
  cp -r Rules /etc/chorus/Rules
fi
install -d -m 0750 -o chorus -g chorus /var/spool/chorus

echo "==> database schema and roles"
if [ -n "$database" ]; then
  "$prefix/bin/chorus" migrate --database "$database"
  if [ -f Deploy/roles.sql ]; then
    psql "$database" -v ON_ERROR_STOP=1 -f Deploy/roles.sql
  fi
else
  # The embedded cluster belongs to the service's user: create it as that user. Others may pass through
  # (0751, as the unit's StateDirectoryMode) to its public socket directory: people review as themselves.
  install -d -m 0751 -o chorus -g chorus /var/lib/chorus
  runuser -u chorus -- env STATE_DIRECTORY=/var/lib/chorus "$prefix/bin/chorus" migrate
fi

echo "==> systemd unit"
sed "s|/usr/local/bin/chorus|$prefix/bin/chorus|" Deploy/chorus.service > /etc/systemd/system/chorus.service
systemd-analyze verify /etc/systemd/system/chorus.service
systemctl daemon-reload
systemctl enable chorus.service
systemctl restart chorus.service
systemctl --no-pager status chorus.service || true
# The review console: installed and checked; started when the operator enables it (it needs reviewers with
# passwords, `chorus reviewers add NAME --role editor --password-stdin`, and a TLS proxy in front).
sed "s|/usr/local/bin/chorus|$prefix/bin/chorus|" Deploy/chorus-console.service > /etc/systemd/system/chorus-console.service
systemd-analyze verify /etc/systemd/system/chorus-console.service
systemctl daemon-reload
echo "chorus is installed. Logs: journalctl -u chorus -f   Reload: systemctl reload chorus"
echo "The review console: systemctl enable --now chorus-console (Deploy/README.md, The review console)"
