#!/usr/bin/env bash
# Deploys the device registration API: the three 2nd-gen Cloud Functions, the Firestore
# indexes of firestore.indexes.json (and the TTL policy on cron run records), the cron
# invoker binding and the Cloud Scheduler job. Settings come from flags or the environment;
# --dry-run prints every command instead of running it. Stops at the first failure.
#
#   ./deploy.sh --project my-project --region europe-west1 --fcm-sender-id 123456789012 \
#     --service-account api@my-project.iam.gserviceaccount.com \
#     --scheduler-service-account cron-invoker@my-project.iam.gserviceaccount.com
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  cat <<'USAGE'
Usage: ./deploy.sh [options]
  --project ID                    GOOGLE_CLOUD_PROJECT        (required)
  --region REGION                 REGION                      (required)
  --fcm-sender-id NUMBER          FCM_SENDER_ID               (required; the Firebase project number)
  --service-account EMAIL         FUNCTIONS_SERVICE_ACCOUNT   (required; the functions' runtime identity)
  --scheduler-service-account E   SCHEDULER_SERVICE_ACCOUNT   (required; signs the cron OIDC token)
  --runtime RUNTIME               RUNTIME                     (default nodejs22)
  --time-zone TZ                  TIME_ZONE                   (default Etc/UTC; the Scheduler job's)
  --device-group-prefix PREFIX    DEVICE_GROUP_PREFIX         (default app)
  --cron-url URL                  CRON_URL                    (default https://REGION-PROJECT.cloudfunctions.net/cron)
  --dry-run                       print the commands, run nothing
USAGE
}

die() {
  printf 'deploy.sh: %s\n' "$*" >&2
  exit 2
}

project=${GOOGLE_CLOUD_PROJECT:-}
region=${REGION:-}
fcm_sender_id=${FCM_SENDER_ID:-}
service_account=${FUNCTIONS_SERVICE_ACCOUNT:-}
scheduler_sa=${SCHEDULER_SERVICE_ACCOUNT:-}
runtime=${RUNTIME:-nodejs22}
time_zone=${TIME_ZONE:-Etc/UTC}
prefix=${DEVICE_GROUP_PREFIX:-app}
cron_url=${CRON_URL:-}
dry_run=false

while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) dry_run=true; shift; continue ;;
    -h | --help) usage; exit 0 ;;
    --project | --region | --fcm-sender-id | --service-account | --scheduler-service-account | \
      --runtime | --time-zone | --device-group-prefix | --cron-url)
      [ $# -ge 2 ] || die "$1 needs a value"
      ;;
    *) usage >&2; die "unknown option: $1" ;;
  esac
  case $1 in
    --project) project=$2 ;;
    --region) region=$2 ;;
    --fcm-sender-id) fcm_sender_id=$2 ;;
    --service-account) service_account=$2 ;;
    --scheduler-service-account) scheduler_sa=$2 ;;
    --runtime) runtime=$2 ;;
    --time-zone) time_zone=$2 ;;
    --device-group-prefix) prefix=$2 ;;
    --cron-url) cron_url=$2 ;;
  esac
  shift 2
done

missing=()
[ -n "$project" ] || missing+=('--project (GOOGLE_CLOUD_PROJECT)')
[ -n "$region" ] || missing+=('--region (REGION)')
[ -n "$fcm_sender_id" ] || missing+=('--fcm-sender-id (FCM_SENDER_ID)')
[ -n "$service_account" ] || missing+=('--service-account (FUNCTIONS_SERVICE_ACCOUNT)')
[ -n "$scheduler_sa" ] || missing+=('--scheduler-service-account (SCHEDULER_SERVICE_ACCOUNT)')
if [ ${#missing[@]} -gt 0 ]; then
  usage >&2
  die "missing: ${missing[*]}"
fi
case $runtime in nodejs*) ;; *) die "--runtime must be a Node.js runtime such as nodejs22, got $runtime" ;; esac
# A 2nd-gen function keeps this URL; it is also the OIDC audience the function checks.
cron_url=${cron_url:-https://$region-$project.cloudfunctions.net/cron}

run() {
  if $dry_run; then
    printf '+'
    printf ' %q' "$@"
    printf '\n'
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

common=(--gen2 "--runtime=$runtime" "--region=$region" "--project=$project" --source=. --trigger-http
  "--service-account=$service_account" --quiet)
device_env="FCM_SENDER_ID=$fcm_sender_id,DEVICE_GROUP_PREFIX=$prefix,GOOGLE_CLOUD_PROJECT=$project"

echo '==> type-check and build (the same gcp-build the Cloud Functions build runs)'
run npm run --silent gcp-build

echo '==> functions'
run gcloud functions deploy add-device "${common[@]}" --entry-point=addDevice --allow-unauthenticated \
  "--set-env-vars=$device_env"
run gcloud functions deploy remove-device "${common[@]}" --entry-point=removeDevice --allow-unauthenticated \
  "--set-env-vars=$device_env"
run gcloud functions deploy cron "${common[@]}" --entry-point=cron --no-allow-unauthenticated --timeout=540s \
  "--set-env-vars=$device_env,CRON_OIDC_AUDIENCE=$cron_url,CRON_SERVICE_ACCOUNT=$scheduler_sa"
run gcloud functions add-invoker-policy-binding cron "--region=$region" "--project=$project" \
  "--member=serviceAccount:$scheduler_sa"

echo '==> Firestore indexes (firestore.indexes.json)'
# One line per index (node is needed anyway: npm builds and runs the Scheduler command).
# shellcheck disable=SC2016 # the single-quoted text is JavaScript, not shell
# One line per index: composite<TAB>group<TAB>scope<TAB>field-config... or field<TAB>group<TAB>path<TAB>index...
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

echo '==> Cloud Scheduler job'
scheduler_args=(--project "$project" --region "$region" --url "$cron_url" --service-account "$scheduler_sa"
  --time-zone "$time_zone")
# Needs application default credentials (gcloud auth application-default login) locally.
run npm run --silent scheduler -- "${scheduler_args[@]}"
echo "==> done: cron runs every minute at $cron_url"
