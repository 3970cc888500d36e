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
