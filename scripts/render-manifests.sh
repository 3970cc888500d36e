#!/usr/bin/env bash
# Renders the plain manifests under istio/ from the chart: `make manifests` writes them into istio/,
# a test renders them into a temporary folder and compares. HELM names the helm binary.
set -euo pipefail
out=${1:?usage: render-manifests.sh OUTDIR}
helm=${HELM:?HELM must name the helm binary}
root=$(cd "$(dirname "$0")/.." && pwd)

# render FILE TEMPLATE...: the templates' documents, in helm's install order, into OUTDIR/FILE.
render() {
  local file=$1 shows=()
  shift
  for template in "$@"; do shows+=(--show-only "templates/$template"); done
  mkdir -p "$(dirname "$out/$file")"
  {
    echo "# Generated from charts/shadowdiff by \`make manifests\` (values: charts/plain-manifests.values.yaml)."
    echo "# Edit the chart, not this file."
    # helm notes on stderr that the dashboard is a symbolic link; errors still show.
    "$helm" template shadowdiff "$root/charts/shadowdiff" --namespace shadowdiff \
      -f "$root/charts/plain-manifests.values.yaml" "${shows[@]}" 2> >(grep -v 'found symbolic link' >&2)
  } > "$out/$file"
}

render collector/collector.yaml namespace.yaml collector/serviceaccount.yaml collector/configmap.yaml \
  collector/deployment.yaml collector/service.yaml
render collector/security.yaml security/peerauthentication.yaml security/authorizationpolicy.yaml
render collector/servicemonitor.yaml monitoring/servicemonitor.yaml
render prometheus/prometheusrule.yaml monitoring/prometheusrule.yaml
render grafana/dashboard-configmap.yaml monitoring/dashboard.yaml
