{{/* The collector's name: <release>-collector, so release "shadowdiff" gives shadowdiff-collector. */}}
{{- define "shadowdiff.collector" -}}
{{- printf "%s-collector" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "shadowdiff.namespace" -}}
{{- default .Release.Namespace .Values.namespace.name -}}
{{- end -}}

{{- define "shadowdiff.selectorLabels" -}}
app.kubernetes.io/name: {{ include "shadowdiff.collector" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shadowdiff.labels" -}}
{{ include "shadowdiff.selectorLabels" . }}
app.kubernetes.io/part-of: shadowdiff
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
{{- end -}}

{{/* Labels for objects that are not the collector's (rules, dashboard, WasmPlugin). */}}
{{- define "shadowdiff.partOf" -}}
app.kubernetes.io/part-of: shadowdiff
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "shadowdiff.collectorImage" -}}
{{- $image := .Values.collector.image -}}
{{- if $image.digest -}}
{{- printf "%s@%s" $image.repository $image.digest -}}
{{- else -}}
{{- printf "%s:%s" $image.repository (default .Chart.AppVersion $image.tag) -}}
{{- end -}}
{{- end -}}

{{/* The collector's host name and the Envoy cluster Istio gives its grpc port in every sidecar. */}}
{{- define "shadowdiff.collectorHost" -}}
{{- printf "%s.%s.svc.%s" (include "shadowdiff.collector" .) (include "shadowdiff.namespace" .) .Values.clusterDomain -}}
{{- end -}}

{{- define "shadowdiff.collectorCluster" -}}
{{- printf "outbound|%d||%s" (int .Values.collector.ports.grpc) (include "shadowdiff.collectorHost" .) -}}
{{- end -}}

{{/*
Checks shared by both filter modes; renders nothing. A missing image or digest, a selector that
would take in the shadow's pods, or targetRefs istiod would never attach, stops the release naming
the value.
*/}}
{{- define "shadowdiff.filterChecks" -}}
{{- with .Values.filter -}}
{{- if eq .module "bodies" -}}
{{- if not .bodiesImage -}}
{{- fail "filter.module is bodies, but filter.bodiesImage is empty: the bodies module's image as registry/repository:tag (make push MODULE=bodies IMAGE=... pushes it and prints the digest)" -}}
{{- end -}}
{{- if not .bodiesDigest -}}
{{- fail "filter.module is bodies, but filter.bodiesDigest is empty: the sha256:... digest that make push MODULE=bodies prints for filter.bodiesImage" -}}
{{- end -}}
{{- else if eq .module "default" -}}
{{- if not .image -}}
{{- fail "filter.image is empty: the filter image as registry/repository:tag (make push IMAGE=... pushes it and prints the digest)" -}}
{{- end -}}
{{- if not .digest -}}
{{- fail "filter.digest is empty: the sha256:... digest that make push prints for filter.image" -}}
{{- end -}}
{{- if hasKey .pluginConfig "request_bodies" -}}
{{- fail "filter.pluginConfig.request_bodies needs filter.module bodies: the default module receives no request bodies and refuses the key" -}}
{{- end -}}
{{- if hasKey .pluginConfig "grpc" -}}
{{- fail "filter.pluginConfig.grpc needs filter.module bodies: the default module receives no request bodies and refuses the key" -}}
{{- end -}}
{{- else -}}
{{- fail (printf "filter.module must be default or bodies, got %v" .module) -}}
{{- end -}}
{{- if .targetRefs -}}
{{- range .targetRefs -}}
{{- if ne .kind "Gateway" -}}
{{- fail (printf "filter.targetRefs names a %v: istiod attaches a WasmPlugin with targetRefs to gateways (and ambient waypoints) only, never to a sidecar, so the filter would run nowhere; for the primary's sidecars give filter.selector and no targetRefs" .kind) -}}
{{- end -}}
{{- if not (has (default "gateway.networking.k8s.io" .group) (list "gateway.networking.k8s.io")) -}}
{{- fail (printf "filter.targetRefs: a Gateway's group is gateway.networking.k8s.io, got %v" .group) -}}
{{- end -}}
{{- end -}}
{{- else if not .selector -}}
{{- fail "filter.selector is empty: it would attach the filter to every pod of the namespace, the shadow's included; give the primary's pod labels" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The chosen module's image and digest, as JSON: filter.image and filter.digest, or the bodies module's. */}}
{{- define "shadowdiff.filterSource" -}}
{{- with .Values.filter -}}
{{- if eq .module "bodies" -}}
{{- dict "image" .bodiesImage "digest" .bodiesDigest | toJson -}}
{{- else -}}
{{- dict "image" .image "digest" .digest | toJson -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The filter's plugin configuration, as JSON: the values', reporting to this release's collector unless they say otherwise. */}}
{{- define "shadowdiff.filterPluginConfig" -}}
{{- $collector := dict "collector_cluster" (include "shadowdiff.collectorCluster" .) "collector_authority" (include "shadowdiff.collectorHost" .) -}}
{{- merge (deepCopy .Values.filter.pluginConfig) $collector | toJson -}}
{{- end -}}

{{/* A label selector as key=value pairs, for messages. */}}
{{- define "shadowdiff.labelList" -}}
{{- $pairs := list -}}
{{- range $key, $value := . -}}
{{- $pairs = append $pairs (printf "%s=%s" $key $value) -}}
{{- end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* Where the intake token's Secret is mounted in the collector's container. */}}
{{- define "shadowdiff.tokenDir" -}}
/var/run/shadowdiff/intake-token
{{- end }}
