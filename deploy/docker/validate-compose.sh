#!/usr/bin/env bash
# Validates docker-compose.yml and the configs it mounts, without a Docker engine (CI has none).
# Installs Debian's docker-compose when no compose is found; checks Prometheus, Alertmanager and
# Grafana files with promtool / amtool / python3 when those are present, and unit-tests the alert rules.
set -euo pipefail
cd "$(dirname "$0")/../.."

if command -v docker-compose > /dev/null; then
  compose=(docker-compose)
elif docker compose version > /dev/null 2>&1; then
  compose=(docker compose)
else
  echo "docker-compose not found: installing Debian's docker-compose"
  sudo=()
  if [ "$(id -u)" != 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get install -y docker-compose > /dev/null \
    || { echo "could not install docker-compose: run apt-get update first, or install Docker Compose" >&2; exit 1; }
  compose=(docker-compose)
fi

echo "validating docker-compose.yml with ${compose[*]}"
# Stand-ins for the secrets compose requires from the shell that runs it (no fallback in the file).
NOTIFIER_SECRET_KEY="${NOTIFIER_SECRET_KEY:-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=}" \
  HOLDFAST_BOOTSTRAP_KEY="${HOLDFAST_BOOTSTRAP_KEY:-hf_bootstrap_compose-validation-stand-in-0000}" \
  "${compose[@]}" -f docker-compose.yml config -q

if command -v promtool > /dev/null; then
  echo "validating deploy/prometheus/prometheus.yml"
  promtool check config --syntax-only deploy/prometheus/prometheus.yml
  echo "validating deploy/prometheus/holdfast-rules.yml"
  promtool check rules deploy/prometheus/holdfast-rules.yml
  echo "testing deploy/prometheus/holdfast-rules.yml with deploy/prometheus/holdfast-rules.test.yml"
  promtool test rules deploy/prometheus/holdfast-rules.test.yml
fi
if command -v amtool > /dev/null; then
  echo "validating deploy/alertmanager/alertmanager.yml"
  amtool check-config deploy/alertmanager/alertmanager.yml
  echo "checking that only alerts marked holdfast=traffic reach the analyzer's intake; health alerts, the notifier's hold alerts and the rest the operators"
  # stderr only warns that --config.file overrides --alertmanager.url.
  routed() { amtool config routes test --config.file=deploy/alertmanager/alertmanager.yml "$@" 2>/dev/null; }
  [ "$(routed kind=holdfast-health alertname=HoldfastServiceDown)" = holdfast-operators ] \
    || { echo "a Holdfast health alert is not routed to holdfast-operators" >&2; exit 1; }
  [ "$(routed kind=holdfast-health alertname=HoldfastSignalLost region=IR metric=requests)" = holdfast-operators ] \
    || { echo "a Holdfast health alert with a region label is not routed to holdfast-operators" >&2; exit 1; }
  [ "$(routed alertname=HighTraffic region=IR holdfast=traffic)" = impact-analyzer ] \
    || { echo "a traffic alert (holdfast=traffic) is not routed to the impact-analyzer" >&2; exit 1; }
  [ "$(routed alertname=NodeFilesystemAlmostFull region=JP)" = holdfast-operators ] \
    || { echo "an alert not marked holdfast=traffic is routed to the analyzer, where its region label would hold maintenance" >&2; exit 1; }
  for own in MaintenanceHold MaintenanceHoldTest; do
    [ "$(routed alertname=$own region=IR hold=h)" = holdfast-operators ] \
      || { echo "the notifier's $own alert is routed to the analyzer, where it would start a surge holding its own hold" >&2; exit 1; }
  done
fi
if command -v python3 > /dev/null; then
  for dashboard in deploy/grafana/dashboards/*.json; do
    echo "validating $dashboard"
    python3 -m json.tool "$dashboard" > /dev/null
  done
fi
echo "compose configuration is valid"
