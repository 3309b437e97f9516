{{/* Release-wide name prefix. */}}
{{- define "nhi.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Name of one component, worker or cron job: (dict "root" $ "name" "qualification"). */}}
{{- define "nhi.name" -}}
{{- printf "%s-%s" (include "nhi.fullname" .root) .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "nhi.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "nhi.labels" -}}
{{ include "nhi.selectorLabels" . }}
app.kubernetes.io/part-of: nhi
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{- define "nhi.secretName" -}}
{{- if .Values.secrets.create -}}
{{- printf "%s-secrets" (include "nhi.fullname" .) -}}
{{- else -}}
{{- required "secrets.existingSecret is required unless secrets.create is true or every secret has its own secrets.refs.*.existingSecret" .Values.secrets.existingSecret -}}
{{- end -}}
{{- end -}}

{{/*
Where one secret variable is read from: (dict "root" $ "var" NAME) -> a YAML map {name, key}.
PGPASSWORD comes from database.existingSecret/database.passwordKey, the others from secrets.refs.NAME;
an empty Secret name means secrets.existingSecret (or the chart's Secret with secrets.create); a ref with
optional: true may be missing from its Secret (the variable is then unset).
*/}}
{{- define "nhi.secretRef" -}}
{{- $root := .root -}}
{{- $ref := dict -}}
{{- if eq .var "PGPASSWORD" -}}
{{- $ref = dict "existingSecret" $root.Values.database.existingSecret "key" $root.Values.database.passwordKey -}}
{{- else -}}
{{- $ref = required (printf "secrets.refs.%s is not set" .var) (get $root.Values.secrets.refs .var) -}}
{{- end -}}
{{- if $ref.existingSecret }}
name: {{ $ref.existingSecret }}
{{- else }}
name: {{ include "nhi.secretName" $root }}
{{- end }}
key: {{ $ref.key | default .var }}
{{- if $ref.optional }}
optional: true
{{- end }}
{{- end -}}

{{/* Image of a component: (dict "root" $ "component" $c). */}}
{{- define "nhi.image" -}}
{{- $img := .root.Values.image -}}
{{- $tag := .component.image.tag | default $img.tag | default .root.Chart.AppVersion -}}
{{- if $img.registry -}}
{{- printf "%s/%s:%s" $img.registry .component.image.repository $tag -}}
{{- else -}}
{{- printf "%s:%s" .component.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/*
The pod template shared by components, workers, cron jobs and migration hooks:
(dict "root" $ "name" NAME "component" $c "command" LIST "env" MAP "resources" MAP "withPorts" BOOL "restartPolicy" STRING
      "inlineConfig" BOOL "ephemeralVar" BOOL "componentName" STRING)
inlineConfig: the ConfigMap's settings as env values (a hook runs before the ConfigMap exists);
ephemeralVar: an emptyDir at /app/var even when the component has a claim (a hook needs none);
componentName: the component whose program the pod runs (its server, workers and cron jobs): the interchange's get
the address table (interchange.addressTable) mounted, a hook or the audit purge does not.
*/}}
{{- define "nhi.podTemplate" -}}
{{- $root := .root -}}
{{- $c := .component -}}
{{- $addressTable := and (eq (.componentName | default "") "interchange") (not .inlineConfig) $root.Values.interchange.addressTable -}}
metadata:
  labels:
    {{- include "nhi.labels" (dict "root" $root "name" .name) | nindent 4 }}
  annotations:
    checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml") $root | sha256sum }}
    {{- if $root.Values.secrets.create }}
    checksum/secret: {{ include (print $root.Template.BasePath "/secret.yaml") $root | sha256sum }}
    {{- end }}
spec:
  automountServiceAccountToken: false
  {{- with .restartPolicy }}
  restartPolicy: {{ . }}
  {{- end }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  securityContext:
    {{- toYaml $root.Values.podSecurityContext | nindent 4 }}
  containers:
    - name: {{ .name }}
      image: {{ include "nhi.image" (dict "root" $root "component" $c) }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command:
        {{- toYaml .command | nindent 8 }}
      {{- if .withPorts }}
      ports:
        - name: {{ $c.kind }}
          containerPort: {{ $c.port }}
          protocol: TCP
      {{- end }}
      {{- if not .inlineConfig }}
      envFrom:
        - configMapRef:
            name: {{ include "nhi.fullname" $root }}-config
      {{- end }}
      env:
        {{- if .inlineConfig }}
        {{- /* a hook runs before the release's ConfigMap exists: the same settings, inline */}}
        {{- range $key, $value := fromYaml (include "nhi.configData" $root) }}
        - name: {{ $key }}
          value: {{ $value | quote }}
        {{- end }}
        {{- end }}
        {{- if $c.portEnv }}
        - name: {{ $c.portEnv }}
          value: {{ $c.port | quote }}
        {{- end }}
        {{- with $c.database }}
        {{- if .envPrefix }}
        - name: {{ .envPrefix }}_DATABASE_URL
          value: {{ $root.Values.database.url | quote }}
        - name: {{ .envPrefix }}_DATABASE_SCHEMA
          value: {{ .schema | quote }}
        {{- if $root.Values.database.passwordKey }}
        - name: PGPASSWORD
          valueFrom:
            secretKeyRef:
              {{- include "nhi.secretRef" (dict "root" $root "var" "PGPASSWORD") | nindent 14 }}
        {{- end }}
        {{- end }}
        {{- end }}
        {{- range $c.secretEnv }}
        - name: {{ . }}
          valueFrom:
            secretKeyRef:
              {{- include "nhi.secretRef" (dict "root" $root "var" .) | nindent 14 }}
        {{- end }}
        {{- if $addressTable }}
        - name: INTERCHANGE_ADDRESS_TABLE
          value: {{ include "nhi.addressTablePath" $root | quote }}
        {{- end }}
        {{- range $key, $value := merge (dict) (.env | default dict) ($c.env | default dict) }}
        - name: {{ $key }}
          value: {{ $value | quote }}
        {{- end }}
      {{- if .withPorts }}
      {{- range $probe, $spec := $c.probes }}
      {{- $handler := dict "grpc" (dict "port" $c.port) }}
      {{- if eq $c.kind "http" }}
      {{- $handler = dict "httpGet" (dict "path" $spec.path "port" "http") }}
      {{- end }}
      {{ $probe }}Probe:
        {{- toYaml (merge $handler (omit $spec "path")) | nindent 8 }}
      {{- end }}
      {{- end }}
      resources:
        {{- toYaml (required (printf "resources are required for %s" .name) .resources) | nindent 8 }}
      securityContext:
        {{- toYaml $root.Values.securityContext | nindent 8 }}
      volumeMounts:
        - name: tmp
          mountPath: /tmp
        - name: var
          mountPath: /app/var
        {{- if $addressTable }}
        - name: address-table
          mountPath: {{ $root.Values.interchange.mountPath }}
          readOnly: true
        {{- end }}
        {{- with .extraMounts }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
  volumes:
    - name: tmp
      emptyDir: {}
    - name: var
      {{- $claim := "" }}
      {{- if not .ephemeralVar }}
      {{- with $c.persistence }}{{ $claim = .existingClaim }}{{ end }}
      {{- end }}
      {{- if $claim }}
      persistentVolumeClaim:
        claimName: {{ $claim }}
      {{- else }}
      emptyDir: {}
      {{- end }}
    {{- if $addressTable }}
    {{- /* a whole-directory mount (no subPath), so that an edited table reaches running pods */}}
    - name: address-table
      configMap:
        name: {{ include "nhi.fullname" $root }}-interchange-address-table
    {{- end }}
    {{- with .extraVolumes }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* Where svc-interchange reads the address table (INTERCHANGE_ADDRESS_TABLE). */}}
{{- define "nhi.addressTablePath" -}}
{{- printf "%s/address-table.csv" .Values.interchange.mountPath -}}
{{- end -}}

{{/* An autoscaling/v2 HPA for a Deployment: (dict "root" $ "name" NAME "autoscaling" MAP). */}}
{{- define "nhi.hpa" -}}
{{- $full := include "nhi.name" . -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ $full }}
  labels:
    {{- include "nhi.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ $full }}
  minReplicas: {{ .autoscaling.minReplicas }}
  maxReplicas: {{ .autoscaling.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ .autoscaling.targetCPUUtilizationPercentage }}
{{- end -}}

{{/* The shared settings (NATS_URL, the gRPC addresses, `config`): the ConfigMap's data, as a YAML map. */}}
{{- define "nhi.configData" -}}
NATS_URL: {{ include "nhi.natsUrl" . | quote }}
{{- range $name, $c := .Values.components }}
{{- if and $c.enabled $c.addressEnv }}
{{ $c.addressEnv }}: {{ printf "%s:%v" (include "nhi.name" (dict "root" $ "name" $name)) $c.port | quote }}
{{- end }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{ $key }}: {{ $value | quote }}
{{- end }}
{{- end -}}

{{/* The smallest number of pods a component or worker runs: autoscaling.minReplicas or replicas. */}}
{{- define "nhi.minPods" -}}
{{- if .autoscaling.enabled -}}{{ .autoscaling.minReplicas }}{{- else -}}{{ .replicas }}{{- end -}}
{{- end -}}

{{/* A policy/v1 PDB when a component or worker runs more than one pod: (dict "root" $ "name" NAME "spec" MAP). */}}
{{- define "nhi.pdb" -}}
{{- $global := .root.Values.podDisruptionBudget -}}
{{- $own := .spec.podDisruptionBudget | default dict -}}
{{- $enabled := $global.enabled -}}
{{- if hasKey $own "enabled" }}{{ $enabled = $own.enabled }}{{ end -}}
{{- if and $enabled (gt (int (include "nhi.minPods" .spec)) 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "nhi.name" . }}
  labels:
    {{- include "nhi.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ $own.maxUnavailable | default $global.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "nhi.selectorLabels" . | nindent 6 }}
{{- end }}
{{- end -}}

{{/* The NATS the suite uses: the chart's own server (nats.server.enabled) or nats.url. */}}
{{- define "nhi.natsUrl" -}}
{{- if .Values.nats.server.enabled -}}
{{- printf "nats://%s:4222" (include "nhi.name" (dict "root" . "name" "nats")) -}}
{{- else -}}
{{- .Values.nats.url -}}
{{- end -}}
{{- end -}}

{{/* Its monitoring endpoint (host:port, for KEDA). */}}
{{- define "nhi.natsMonitoringEndpoint" -}}
{{- if .Values.nats.server.enabled -}}
{{- printf "%s.%s.svc:8222" (include "nhi.name" (dict "root" . "name" "nats")) .Release.Namespace -}}
{{- else -}}
{{- required "nats.monitoringEndpoint is required for KEDA" .Values.nats.monitoringEndpoint -}}
{{- end -}}
{{- end -}}

{{/* nats.conf of the chart's NATS server: JetStream encrypted at rest, the key read from the server's
environment (the Secret), never written into the ConfigMap. */}}
{{- define "nhi.natsConf" -}}
port: 4222
http_port: 8222
server_name: {{ include "nhi.name" (dict "root" . "name" "nats") }}
lame_duck_duration: "30s"
lame_duck_grace_period: "10s"
jetstream {
  store_dir: "/data"
  cipher: chachapoly
  key: $NHI_JETSTREAM_KEY
}
{{- end -}}
