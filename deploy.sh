#!/usr/bin/env bash
# Deploys the device registration API: the four 2nd-gen Cloud Functions (addDevice and
# removeDevice public, cron for Cloud Scheduler only, notifyUser for the --notify-callers
# only), each with its runtime service account and capacity settings, the Firestore indexes
# of firestore.indexes.json and the TTL policies, the invoker bindings of cron and notifyUser
# and the Cloud Scheduler job, then prints each function's URL. Settings come from flags (--name value or --name=value) or the
# environment; --dry-run prints every command instead of running it; --print-iam-setup prints
# the commands that create the service accounts and grant their roles. Why each identity has
# the roles it has, and why the capacity defaults are what they are: docs/deployment-security.md.
#
#   ./deploy.sh --project my-project --region europe-west1 --fcm-sender-id 123456789012
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  cat <<'USAGE'
Usage: ./deploy.sh --project ID --region REGION --fcm-sender-id NUMBER [options]
Every option takes its value as --name VALUE or --name=VALUE. The second column is the
environment variable read when the flag is absent. docs/deployment-security.md explains the
service accounts and the capacity defaults.

Required
  --project ID                       GOOGLE_CLOUD_PROJECT
  --region REGION                    REGION
  --fcm-sender-id NUMBER             FCM_SENDER_ID     the Firebase project number (digits only)

Service accounts (--print-iam-setup prints the commands that create them)
  --devices-runtime-service-account EMAIL
                                     DEVICES_RUNTIME_SERVICE_ACCOUNT
                                     addDevice, removeDevice and notifyUser run as it
                                     (default devices-runtime@PROJECT.iam.gserviceaccount.com)
  --cron-runtime-service-account EMAIL
                                     CRON_RUNTIME_SERVICE_ACCOUNT
                                     cron runs as it
                                     (default cron-runtime@PROJECT.iam.gserviceaccount.com)
  --scheduler-service-account EMAIL  SCHEDULER_SERVICE_ACCOUNT
                                     Cloud Scheduler signs cron's OIDC token as it; the only
                                     identity allowed to invoke cron
                                     (default cron-invoker@PROJECT.iam.gserviceaccount.com)
  --notify-callers EMAIL[,EMAIL...]  NOTIFY_CALLERS
                                     the service accounts allowed to call notifyUser: each
                                     gets roles/run.invoker on it and is on its allow-list
                                     (NOTIFY_SERVICE_ACCOUNTS). Without any, notifyUser is
                                     still deployed but refuses every request (fail closed)

Behaviour
  --runtime RUNTIME                  RUNTIME           (default nodejs22)
  --device-groups fcm|firestore      DEVICE_GROUPS     where device groups live (default fcm)
  --device-group-prefix PREFIX       DEVICE_GROUP_PREFIX (default app)
  --time-zone TZ                     TIME_ZONE         the Scheduler job's IANA zone (default Etc/UTC)
  --cron-url URL                     CRON_URL          cron's URL, also its OIDC audience
                                     (default https://REGION-PROJECT.cloudfunctions.net/cron)
  --notify-url URL                   NOTIFY_URL        notifyUser's URL, also its OIDC audience
                                     (default https://REGION-PROJECT.cloudfunctions.net/notify-user)

Capacity per function (flags only; the devices settings apply to notifyUser too)
  --devices-concurrency N            requests one instance serves at once (default 16)
  --devices-cpu VCPU                 (default 1; concurrency above 1 needs 1 or more)
  --devices-memory SIZE              (default 512Mi)
  --devices-max-instances N          (default 20)
  --cron-concurrency N               (default 1)
  --cron-cpu VCPU                    (default 1)
  --cron-memory SIZE                 (default 512Mi)
  --cron-max-instances N             (default 3)

Other
  --print-iam-setup                  print the gcloud commands that create the service accounts
                                     and grant their roles (needs only --project), run nothing
  --dry-run                          print every command, run nothing
  -h, --help                         this text
USAGE
}

# Options that take a value, with their starting values (environment or default).
declare -A opt=(
  [project]=${GOOGLE_CLOUD_PROJECT:-}
  [region]=${REGION:-}
  [fcm-sender-id]=${FCM_SENDER_ID:-}
  [devices-runtime-service-account]=${DEVICES_RUNTIME_SERVICE_ACCOUNT:-}
  [cron-runtime-service-account]=${CRON_RUNTIME_SERVICE_ACCOUNT:-}
  [scheduler-service-account]=${SCHEDULER_SERVICE_ACCOUNT:-}
  [runtime]=${RUNTIME:-nodejs22}
  [device-groups]=${DEVICE_GROUPS:-fcm}
  [device-group-prefix]=${DEVICE_GROUP_PREFIX:-app}
  [time-zone]=${TIME_ZONE:-Etc/UTC}
  [cron-url]=${CRON_URL:-}
  [notify-url]=${NOTIFY_URL:-}
  [notify-callers]=${NOTIFY_CALLERS:-}
  [devices-concurrency]=16
  [devices-cpu]=1
  [devices-memory]=512Mi
  [devices-max-instances]=20
  [cron-concurrency]=1
  [cron-cpu]=1
  [cron-memory]=512Mi
  [cron-max-instances]=3
)
dry_run=false
print_iam_setup=false
# Every problem is collected, so one run names all of them.
errors=()
# Options already reported, so a missing value is not reported again as a missing option.
declare -A reported=()

split_identity_hint='use --devices-runtime-service-account and --cron-runtime-service-account (see --help)'
[ -z "${FUNCTIONS_SERVICE_ACCOUNT:-}" ] ||
  errors+=("FUNCTIONS_SERVICE_ACCOUNT is no longer read: each function now has its own identity; $split_identity_hint")

while [ $# -gt 0 ]; do
  arg=$1
  shift
  name=${arg%%=*}
  inline=false
  [ "$name" = "$arg" ] || inline=true
  value=${arg#*=}
  case $name in
    -h | --help)
      usage
      exit 0
      ;;
    --dry-run | --print-iam-setup)
      if $inline; then
        errors+=("$name takes no value")
      elif [ "$name" = --dry-run ]; then
        dry_run=true
      else
        print_iam_setup=true
      fi
      ;;
    --service-account)
      errors+=("--service-account is gone: $split_identity_hint")
      # Skip its value so it is not reported as a second problem.
      if ! $inline && [ $# -gt 0 ] && [[ $1 != -* ]]; then shift; fi
      ;;
    --?*)
      key=${name#--}
      if [[ ! $key =~ ^[a-z-]+$ ]] || [[ ! -v "opt[$key]" ]]; then
        errors+=("unknown option: $name")
        # Its value, if any, is part of the same mistake.
        if ! $inline && [ $# -gt 0 ] && [[ $1 != -* ]]; then shift; fi
        continue
      fi
      if ! $inline; then
        # A following option is never taken as a value: `--region --project p` is a mistake.
        if [ $# -gt 0 ] && [[ $1 != --* ]]; then
          value=$1
          shift
        else
          value=''
        fi
      fi
      if [ -z "$value" ]; then
        errors+=("$name needs a value")
        opt[$key]=''
        reported[$key]=1
      else
        opt[$key]=$value
      fi
      ;;
    *) errors+=("unexpected argument: $arg") ;;
  esac
done

project=${opt[project]}
region=${opt[region]}
project_id='^[a-z][-a-z0-9]{4,28}[a-z0-9]$'
# Defaults that name the project can be set only now (a bad project is reported once, below).
[[ $project =~ $project_id ]] && in_project=$project || in_project=PROJECT
for account in devices-runtime cron-runtime; do
  [ -n "${opt[$account-service-account]}" ] ||
    opt[$account-service-account]=$account@$in_project.iam.gserviceaccount.com
done
[ -n "${opt[scheduler-service-account]}" ] ||
  opt[scheduler-service-account]=cron-invoker@$in_project.iam.gserviceaccount.com
[ -n "${opt[cron-url]}" ] || opt[cron-url]=https://${region:-REGION}-$in_project.cloudfunctions.net/cron
[ -n "${opt[notify-url]}" ] ||
  opt[notify-url]=https://${region:-REGION}-$in_project.cloudfunctions.net/notify-user

# check NAME ENV_VAR PATTERN DESCRIPTION: the value of --NAME must match PATTERN (a bash regex).
check() {
  local value=${opt[$1]}
  if [[ -v "reported[$1]" ]]; then
    return
  elif [ -z "$value" ]; then
    errors+=("missing --$1${2:+ (or $2)}")
  elif [[ ! $value =~ $3 ]]; then
    errors+=("--$1 must be $4, got \"$value\"")
  fi
}
email='^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
whole='^[1-9][0-9]{0,3}$'
cpu='^([0-9]+|[0-9]*\.[0-9]+)$'
memory='^[1-9][0-9]*(Mi|Gi)$'

check project GOOGLE_CLOUD_PROJECT "$project_id" 'a project ID (6-30 lowercase letters, digits and hyphens)'
if ! $print_iam_setup; then
  check region REGION '^[a-z]+-[a-z]+[0-9]+$' 'a region such as europe-west1'
  check fcm-sender-id FCM_SENDER_ID '^[0-9]+$' 'the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID'
fi
check devices-runtime-service-account '' "$email" 'a service account email'
check cron-runtime-service-account '' "$email" 'a service account email'
check scheduler-service-account '' "$email" 'a service account email'
check runtime '' '^nodejs[0-9]+$' 'a Node.js runtime such as nodejs22'
check device-groups '' '^(fcm|firestore)$' 'fcm or firestore'
check device-group-prefix '' '^[A-Za-z0-9_.-]{1,64}$' '1-64 letters, digits, dots, dashes or underscores'
check time-zone '' '^[A-Za-z0-9_+/-]+$' 'an IANA time zone such as Europe/Amsterdam'
check cron-url '' '^https://[^[:space:]]+$' 'an https URL'
# No ";": notifyUser's env is passed with ";" as gcloud's delimiter (a caller list has commas).
check notify-url '' '^https://[^[:space:];]+$' 'an https URL (no spaces or semicolons)'
# No callers is allowed (notifyUser then fails closed), so check only what is given.
# Empty entries are skipped, as notifyUser's own parsing of NOTIFY_SERVICE_ACCOUNTS does.
notify_callers=()
if [[ ! -v "reported[notify-callers]" ]]; then
  IFS=, read -r -a entries <<<"${opt[notify-callers]}"
  for caller in "${entries[@]}"; do
    [ -n "$caller" ] || continue
    notify_callers+=("$caller")
    [[ $caller =~ ^[^@[:space:]]+@[^@[:space:]]+\.gserviceaccount\.com$ ]] ||
      errors+=("--notify-callers must be service account emails (…gserviceaccount.com) separated by commas, got \"$caller\"")
  done
fi
for fn in devices cron; do
  check "$fn-concurrency" '' "$whole" 'a whole number from 1 to 1000'
  check "$fn-cpu" '' "$cpu" 'a number of vCPUs such as 1 or 0.5'
  check "$fn-memory" '' "$memory" 'a size such as 512Mi or 1Gi'
  check "$fn-max-instances" '' "$whole" 'a whole number from 1 to 1000'
  concurrency=${opt[$fn-concurrency]}
  fn_cpu=${opt[$fn-cpu]}
  if [[ $concurrency =~ $whole ]] && ((concurrency > 1000)); then
    errors+=("--$fn-concurrency must be a whole number from 1 to 1000, got \"$concurrency\"")
  fi
  if [[ ${opt[$fn-max-instances]} =~ $whole ]] && ((${opt[$fn-max-instances]} > 1000)); then
    errors+=("--$fn-max-instances must be a whole number from 1 to 1000, got \"${opt[$fn-max-instances]}\"")
  fi
  # 2nd gen serves more than one request per instance only with at least one whole vCPU.
  if [[ $concurrency =~ $whole ]] && ((concurrency > 1)) && [[ $fn_cpu =~ $cpu ]] && [[ ! $fn_cpu =~ ^0*[1-9] ]]; then
    errors+=("--$fn-concurrency $concurrency needs --$fn-cpu 1 or more (2nd gen serves concurrent requests only with a whole vCPU), got $fn_cpu")
  fi
done

if [ ${#errors[@]} -gt 0 ]; then
  printf 'deploy.sh: %s\n' "${errors[@]}" >&2
  echo 'Run ./deploy.sh --help for every option.' >&2
  exit 2
fi

devices_sa=${opt[devices-runtime-service-account]}
cron_sa=${opt[cron-runtime-service-account]}
scheduler_sa=${opt[scheduler-service-account]}
cron_url=${opt[cron-url]}
notify_url=${opt[notify-url]}

# Prints a command as shell input (so the output of --print-iam-setup can be piped to bash).
show() {
  printf '%q' "$1"
  shift
  printf ' %q' "$@"
  printf '\n'
}

if $print_iam_setup; then
  echo "# Service accounts and project roles for the device registration API in $project."
  echo '# Why each role: docs/deployment-security.md. The invoker bindings (roles/run.invoker on cron'
  echo '# for the scheduler account, on notify-user for each --notify-callers account) are made by'
  echo '# deploy.sh itself.'
  for sa in "$devices_sa" "$cron_sa" "$scheduler_sa"; do
    if [[ $sa == *@"$project".iam.gserviceaccount.com ]]; then
      show gcloud iam service-accounts create "${sa%@*}" "--project=$project" \
        "--display-name=device registration: ${sa%@*}"
    else
      echo "# $sa is not an account of $project: create it where it belongs."
    fi
  done
  # notifyUser (devices account) sends over FCM HTTP v1 in both modes: cloudmessaging.messages.create.
  devices_roles=(roles/datastore.user roles/firebasecloudmessaging.admin)
  cron_roles=(roles/datastore.user)
  # cron needs FCM only for FCM device groups; the firestore mode keeps groups in Firestore.
  [ "${opt[device-groups]}" = firestore ] || cron_roles+=(roles/firebasecloudmessaging.admin)
  for role in "${devices_roles[@]}"; do
    show gcloud projects add-iam-policy-binding "$project" "--member=serviceAccount:$devices_sa" "--role=$role" \
      --condition=None
  done
  for role in "${cron_roles[@]}"; do
    show gcloud projects add-iam-policy-binding "$project" "--member=serviceAccount:$cron_sa" "--role=$role" \
      --condition=None
  done
  exit 0
fi

run() {
  if $dry_run; then
    printf '+ '
    show "$@"
  else
    "$@"
  fi
}

# Creating an index that exists fails with ALREADY_EXISTS; that is the state we want.
create_index() {
  if $dry_run; then
    run "$@"
    return
  fi
  local out
  if ! out=$("$@" 2>&1); then
    if grep -qi 'already exists' <<<"$out"; then
      echo "index exists: ${*:5}"
      return
    fi
    printf '%s\n' "$out" >&2
    return 1
  fi
  printf '%s\n' "$out"
}

# capacity devices|cron: the function's gcloud capacity flags.
capacity() {
  printf '%s\n' "--concurrency=${opt[$1-concurrency]}" "--cpu=${opt[$1-cpu]}" \
    "--memory=${opt[$1-memory]}" "--max-instances=${opt[$1-max-instances]}"
}
mapfile -t devices_capacity < <(capacity devices)
mapfile -t cron_capacity < <(capacity cron)

common=(--gen2 "--runtime=${opt[runtime]}" "--region=$region" "--project=$project" --source=. --trigger-http --quiet)
app_env="FCM_SENDER_ID=${opt[fcm-sender-id]},DEVICE_GROUP_PREFIX=${opt[device-group-prefix]},DEVICE_GROUPS=${opt[device-groups]},GOOGLE_CLOUD_PROJECT=$project"
# notifyUser's allow-list: both settings or neither (neither = every request refused).
# gcloud splits --set-env-vars on commas; ^;^ makes ";" the separator so the list keeps its commas.
notify_env="^;^${app_env//,/;}"
if [ ${#notify_callers[@]} -gt 0 ]; then
  callers=$(IFS=,; echo "${notify_callers[*]}")
  notify_env+=";NOTIFY_OIDC_AUDIENCE=$notify_url;NOTIFY_SERVICE_ACCOUNTS=$callers"
fi
scheduler_args=(--project "$project" --region "$region" --url "$cron_url" --service-account "$scheduler_sa"
  --time-zone "${opt[time-zone]}")

echo '==> type-check and build (the same gcp-build the Cloud Functions build runs)'
run npm run --silent gcp-build
# The Scheduler command checks its settings (the time zone among them) before any function
# changes, so a mistake there does not leave a half-finished deployment.
if $dry_run; then
  run npm run --silent scheduler -- "${scheduler_args[@]}" --dry-run
else
  npm run --silent scheduler -- "${scheduler_args[@]}" --dry-run >/dev/null
fi

echo '==> functions'
run gcloud functions deploy add-device "${common[@]}" --entry-point=addDevice --allow-unauthenticated \
  "--service-account=$devices_sa" "${devices_capacity[@]}" "--set-env-vars=$app_env"
run gcloud functions deploy remove-device "${common[@]}" --entry-point=removeDevice --allow-unauthenticated \
  "--service-account=$devices_sa" "${devices_capacity[@]}" "--set-env-vars=$app_env"
run gcloud functions deploy cron "${common[@]}" --entry-point=cron --no-allow-unauthenticated --timeout=540s \
  "--service-account=$cron_sa" "${cron_capacity[@]}" \
  "--set-env-vars=$app_env,CRON_OIDC_AUDIENCE=$cron_url,CRON_SERVICE_ACCOUNT=$scheduler_sa"
# roles/run.invoker for the scheduler account, on cron only.
run gcloud functions add-invoker-policy-binding cron "--region=$region" "--project=$project" \
  "--member=serviceAccount:$scheduler_sa"
run gcloud functions deploy notify-user "${common[@]}" --entry-point=notifyUser --no-allow-unauthenticated \
  "--service-account=$devices_sa" "${devices_capacity[@]}" "--set-env-vars=$notify_env"
# roles/run.invoker for each caller, on notify-user only. Removing a caller from the list does not
# revoke its binding: see docs/deployment-security.md.
for caller in "${notify_callers[@]}"; do
  run gcloud functions add-invoker-policy-binding notify-user "--region=$region" "--project=$project" \
    "--member=serviceAccount:$caller"
done

echo '==> Firestore indexes (firestore.indexes.json)'
# node is needed anyway: npm builds and runs the Scheduler command.
# One line per index: composite<TAB>group<TAB>scope<TAB>field-config... or field<TAB>group<TAB>path<TAB>index...
# shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
index_lines=$(node -e '
  const spec = require("./firestore.indexes.json");
  for (const i of spec.indexes ?? []) {
    const fields = i.fields.map((f) => `--field-config=field-path=${f.fieldPath},` +
      (f.order ? `order=${f.order.toLowerCase()}` : `array-config=${f.arrayConfig.toLowerCase()}`));
    console.log(["composite", i.collectionGroup, (i.queryScope ?? "COLLECTION").toLowerCase().replace("_", "-"), ...fields].join("\t"));
  }
  for (const o of spec.fieldOverrides ?? []) {
    const indexes = (o.indexes ?? []).map((x) => `--index=` + (x.order ? `order=${x.order.toLowerCase()}` : `array-config=${x.arrayConfig.toLowerCase()}`));
    console.log(["field", o.collectionGroup, o.fieldPath, ...indexes].join("\t"));
  }
')
while IFS=$'\t' read -r -a parts; do
  [ ${#parts[@]} -gt 0 ] || continue
  if [ "${parts[0]}" = composite ]; then
    create_index gcloud firestore indexes composite create "--project=$project" "--collection-group=${parts[1]}" \
      "--query-scope=${parts[2]}" "${parts[@]:3}" --async
  else
    run gcloud firestore indexes fields update "${parts[2]}" "--project=$project" "--collection-group=${parts[1]}" \
      "${parts[@]:3}" --async --quiet
  fi
done <<<"$index_lines"
run gcloud firestore fields ttls update expire_at "--project=$project" --collection-group=cron_runs --enable-ttl --async --quiet
run gcloud firestore fields ttls update expires_at "--project=$project" --collection-group=login_failures --enable-ttl --async --quiet
run gcloud firestore fields ttls update expires_at "--project=$project" --collection-group=notification_requests --enable-ttl --async --quiet

echo '==> Cloud Scheduler job'
# Needs application default credentials (gcloud auth application-default login) locally.
run npm run --silent scheduler -- "${scheduler_args[@]}"

echo '==> function URLs'
for fn in add-device remove-device cron notify-user; do
  describe=(gcloud functions describe "$fn" --gen2 "--region=$region" "--project=$project"
    '--format=value(serviceConfig.uri)')
  if $dry_run; then
    run "${describe[@]}"
  else
    printf '%s: %s\n' "$fn" "$("${describe[@]}")"
  fi
done
if [ ${#notify_callers[@]} -eq 0 ]; then
  echo '==> note: notify-user refuses every request (500): no caller is allowed. Deploy again with'
  echo '    --notify-callers EMAIL[,EMAIL...] (or NOTIFY_CALLERS) to allow the services that send.'
fi
echo "==> done: cron runs every minute at $cron_url"
