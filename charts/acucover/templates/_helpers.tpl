{{/* Chart name, overridable with nameOverride. */}}
{{- define "acucover.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Fully qualified app name, truncated to 63 characters (the DNS label limit).
A release name that already contains the chart name is used as is.
*/}}
{{- define "acucover.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* Chart name and version, for the helm.sh/chart label. */}}
{{- define "acucover.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "acucover.labels" -}}
helm.sh/chart: {{ include "acucover.chart" . }}
{{ include "acucover.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Labels that select the service's pods; never change them in an upgrade. */}}
{{- define "acucover.selectorLabels" -}}
app.kubernetes.io/name: {{ include "acucover.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* ServiceAccount the service's pods run as. */}}
{{- define "acucover.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "acucover.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Image reference; the tag defaults to appVersion. */}}
{{- define "acucover.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Name of the Secret holding DATABASE_URL, or "" when no database is configured
(the service then serves its embedded catalog).
*/}}
{{- define "acucover.databaseSecretName" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecret }}
{{- else if .Values.database.url }}
{{- include "acucover.fullname" . }}
{{- end }}
{{- end }}

{{/* Key of DATABASE_URL inside that Secret. */}}
{{- define "acucover.databaseSecretKey" -}}
{{- if .Values.database.existingSecret }}
{{- .Values.database.existingSecretKey }}
{{- else -}}
DATABASE_URL
{{- end }}
{{- end }}

{{/*
Pod and container security contexts, shared by the Deployment, the migration Job
and the test Pod. 65532 is the distroless "nonroot" user the image runs as.
*/}}
{{- define "acucover.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "acucover.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 65532
runAsGroup: 65532
readOnlyRootFilesystem: true
allowPrivilegeEscalation: false
capabilities:
  drop:
    - ALL
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/* Selector for the test Pod, so a NetworkPolicy can let `helm test` through. */}}
{{- define "acucover.testSelectorLabels" -}}
app.kubernetes.io/name: {{ include "acucover.name" . }}-test
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The migration Job's environment: the database URL from the hook Secret (or the
existing one) and the start-up settings the CLI commands read.
*/}}
{{- define "acucover.jobEnv" -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .secretName }}
      key: {{ .secretKey }}
- name: ACUCOVER_DB_START_TIMEOUT
  value: {{ .root.Values.config.dbStartTimeout | quote }}
- name: ACUCOVER_LOG_LEVEL
  value: {{ .root.Values.config.logLevel | quote }}
{{- end }}
