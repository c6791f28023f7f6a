#!/usr/bin/env bash
# Deploys the device registration API to one Google Cloud project: the Firestore rules
# (firestore.rules, through the Firebase Rules API), the Pub/Sub topics of batches
# (NOTIFY_TOPIC and its dead-letter topic), the 2nd-gen Cloud Functions of the FUNCTIONS
# table below (each with its runtime service account, capacity and environment), the
# invoker bindings of the private ones, the trigger subscriptions' retry and dead-letter
# policies, the Firestore indexes and TTL policies and the Cloud Scheduler job; then it
# prints each HTTP function's URL.
#
# A run first checks the project (login, APIs, database, service accounts; --check does only
# that), then runs every local check (build, Scheduler settings, rules file, and each
# function's environment parsed by the app's own parseConfig), and changes nothing until all
# of them pass. --dry-run does all of that too, and prints the commands that would change
# something instead of running them. How to use it: docs/deployment.md; the accounts, roles
# and capacity defaults: docs/deployment-security.md.
#
#   ./deploy.sh --project my-project --region europe-west1 --device-groups firestore --env-file prod.env
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

usage() {
  cat <<'USAGE'
Usage: ./deploy.sh --project ID --region REGION --device-groups fcm|firestore [options]
       ./deploy.sh --project ID --check
       ./deploy.sh --project ID --device-groups fcm|firestore --print-iam-setup
Every option takes its value as --name VALUE or --name=VALUE. The second column is the
environment variable read when the flag is absent. docs/deployment.md explains the settings,
docs/deployment-security.md the service accounts and the capacity defaults.

Required
  --project ID                       GOOGLE_CLOUD_PROJECT
  --region REGION                    REGION
  --device-groups fcm|firestore      DEVICE_GROUPS     where each user's devices are grouped:
                                     firestore: the user's device list in Firestore;
                                     fcm: FCM device groups, as the Laravel app did. Firebase has
                                     deprecated them: a project that has not used them cannot
                                     start after 2026-12-01, and they are removed on 2027-09-29.
                                     A Firebase project created after 2026-12-01 must use firestore
  --fcm-sender-id NUMBER             FCM_SENDER_ID     the Firebase project number (digits only);
                                     required with fcm only

App settings (the functions' environment; see "Settings" in docs/deployment.md)
  --env-file FILE                    DEPLOY_ENV_FILE   KEY=VALUE lines: any setting of README's
                                     Configuration table that has no flag here. A function keeps
                                     what it has now unless the file or a flag changes it;
                                     KEY= (empty) removes a setting
  --device-group-prefix PREFIX       DEVICE_GROUP_PREFIX groups are named PREFIX_users-ID
  --cron-url URL                     CRON_URL          cron's URL, also its OIDC audience
                                     (default https://REGION-PROJECT.cloudfunctions.net/cron)
  --notify-callers EMAIL[,EMAIL...]  NOTIFY_CALLERS    the service accounts allowed to call
                                     notifyUser and notifyUsers: each gets roles/run.invoker on
                                     both and is on their allow-list (NOTIFY_SERVICE_ACCOUNTS).
                                     Without any, both refuse every request (fail closed)
  --notify-url URL                   NOTIFY_URL        notifyUser's URL, also its OIDC audience
                                     (default https://REGION-PROJECT.cloudfunctions.net/notify-user)
  --notify-users-url URL             NOTIFY_USERS_URL  notifyUsers' URL, also its OIDC audience and
                                     the base of its status URLs; the --notify-callers call it too
                                     (default https://REGION-PROJECT.cloudfunctions.net/notify-users)
  --notify-topic TOPIC               NOTIFY_TOPIC      the Pub/Sub topic of batches (default
                                     notifications); its dead-letter topic is TOPIC-dead-letter.
                                     Both are created when missing (docs/sending.md, "Batches")

Service accounts (--print-iam-setup prints the commands that create them)
  --devices-runtime-service-account EMAIL
                                     DEVICES_RUNTIME_SERVICE_ACCOUNT  addDevice and removeDevice
                                     run as it (default devices-runtime@PROJECT.iam.gserviceaccount.com)
  --notify-runtime-service-account EMAIL
                                     NOTIFY_RUNTIME_SERVICE_ACCOUNT   notifyUser runs as it
                                     (default notify-runtime@PROJECT.iam.gserviceaccount.com)
  --cron-runtime-service-account EMAIL
                                     CRON_RUNTIME_SERVICE_ACCOUNT     cron runs as it
                                     (default cron-runtime@PROJECT.iam.gserviceaccount.com)
  --batches-runtime-service-account EMAIL
                                     BATCHES_RUNTIME_SERVICE_ACCOUNT  notifyUsers runs as it
                                     (default batches-runtime@PROJECT.iam.gserviceaccount.com)
  --deliver-runtime-service-account EMAIL
                                     DELIVER_RUNTIME_SERVICE_ACCOUNT  deliverNotification runs as it
                                     (default deliver-runtime@PROJECT.iam.gserviceaccount.com)
  --deliver-trigger-service-account EMAIL
                                     DELIVER_TRIGGER_SERVICE_ACCOUNT  the identity of
                                     deliverNotification's Eventarc triggers: the only one allowed
                                     to invoke it (default deliver-invoker@PROJECT.iam.gserviceaccount.com)
  --scheduler-service-account EMAIL  SCHEDULER_SERVICE_ACCOUNT        Cloud Scheduler signs cron's
                                     OIDC token as it; the only identity allowed to invoke cron
                                     (default cron-invoker@PROJECT.iam.gserviceaccount.com)

Runtime and schedule
  --runtime RUNTIME                  RUNTIME           (default nodejs22)
  --devices-ingress all|internal-and-gclb
                                     DEVICES_INGRESS   who reaches addDevice and removeDevice:
                                     all (their URLs, default), or only an external Application
                                     Load Balancer. Goes with FORWARDED_FOR_HOPS: 1 with all, 2
                                     behind the load balancer (else a client forges its address)
  --time-zone TZ                     TIME_ZONE         the Scheduler job's IANA zone (default Etc/UTC)

Capacity, per group of functions (flags only): devices = addDevice and removeDevice,
notify = notifyUser, cron = cron, batches = notifyUsers, deliver = deliverNotification
(both of its deployments). GROUP is one of the five.
  --GROUP-concurrency N              requests one instance serves at once
                                     (default 16; cron 1)
  --GROUP-cpu VCPU                   (default 1; concurrency above 1 needs 1 or more)
  --GROUP-memory SIZE                (default 512Mi)
  --GROUP-max-instances N            (default 20; cron 3; deliver 10, which keeps batch sends
                                     under FCM's quota: docs/sending.md, "Capacity")
  --GROUP-min-instances N            instances kept running (default 0). A new device function
                                     instance takes about 1 s more than a warm one to its first
                                     answer (docs/deployment.md); a kept one is billed while idle
  For example --devices-concurrency, --notify-memory, --cron-min-instances.

Other
  --check                            check the project only (login, APIs, Firestore database,
                                     service accounts) and print what to fix; needs --project.
                                     Every deployment runs it first
  --print-iam-setup                  print the gcloud commands that create the service accounts
                                     and grant their roles; needs --project and --device-groups
  --dry-run                          run every check (the project's, the build, the settings),
                                     print the commands that would change something; changes
                                     nothing in the project (it reads it, and builds dist/)
  -h, --help                         this text
USAGE
}

# The functions, one row each: name, entry point, group, who may call it, timeout. The group
# names the runtime service account (--GROUP-runtime-service-account) and the capacity flags
# (--GROUP-concurrency, ...). A `private` HTTP function lets only the accounts `invokers`
# names call it. `topic` and `dead-letter` are event functions triggered by NOTIFY_TOPIC or
# its dead-letter topic through Eventarc (with --retry), invoked only by the trigger's
# account; deliverNotification is deployed once for each (it tells them apart by the
# event's topic). Adding a function is one row here (a new group: one word in
# ACCOUNT_GROUPS, its options in `opt`, its roles in group_roles).
FUNCTIONS=(
  'add-device                        addDevice            devices  public       60s'
  'remove-device                     removeDevice         devices  public       60s'
  'cron                              cron                 cron     private      540s'
  'notify-user                       notifyUser           notify   private      60s'
  'notify-users                      notifyUsers          batches  private      60s'
  'deliver-notification              deliverNotification  deliver  topic        60s'
  'deliver-notification-dead-letter  deliverNotification  deliver  dead-letter  60s'
)
ACCOUNT_GROUPS=(devices notify cron batches deliver)

# The trigger subscription of NOTIFY_TOPIC: Pub/Sub redelivers a failed event after a backoff
# from MIN_RETRY_DELAY to MAX_RETRY_DELAY (Pub/Sub's limit: 600s), and moves it to the
# dead-letter topic after MAX_DELIVERY_ATTEMPTS deliveries (5 to 100). It stays above
# NOTIFY_MAX_ATTEMPTS (default 5): the app records a user `failed` itself long before, and a
# redelivery that only waits out FCM's quota counts here too (docs/sending.md, "Failures").
MAX_DELIVERY_ATTEMPTS=15
MIN_RETRY_DELAY=10s
MAX_RETRY_DELAY=600s

# The APIs a deployment uses, each for a reason (docs/deployment.md lists them).
REQUIRED_APIS=(
  cloudfunctions.googleapis.com   # the functions
  run.googleapis.com              # a 2nd-gen function is a Cloud Run service (and its invoker bindings)
  cloudbuild.googleapis.com       # builds the uploaded source
  artifactregistry.googleapis.com # holds the built images
  logging.googleapis.com          # the functions' logs
  firestore.googleapis.com        # the database, its indexes and TTL policies
  firebaserules.googleapis.com    # the Firestore rules release
  cloudscheduler.googleapis.com   # the job that calls cron
  fcm.googleapis.com              # FCM: HTTP v1 sends (notifyUser, deliverNotification) and device groups
  iam.googleapis.com              # the runtime service accounts
  pubsub.googleapis.com           # the topics of batches (notifyUsers publishes, deliverNotification is triggered)
  eventarc.googleapis.com         # deliverNotification's triggers (2nd gen delivers Pub/Sub events through Eventarc)
)

# Options that take a value, with their starting values (environment or default).
declare -A opt=(
  [project]=${GOOGLE_CLOUD_PROJECT:-}
  [region]=${REGION:-}
  [device-groups]=${DEVICE_GROUPS:-}
  [fcm-sender-id]=${FCM_SENDER_ID:-}
  [env-file]=${DEPLOY_ENV_FILE:-}
  [device-group-prefix]=${DEVICE_GROUP_PREFIX:-}
  [cron-url]=${CRON_URL:-}
  [notify-callers]=${NOTIFY_CALLERS:-}
  [notify-url]=${NOTIFY_URL:-}
  [notify-users-url]=${NOTIFY_USERS_URL:-}
  [notify-topic]=${NOTIFY_TOPIC:-notifications}
  [devices-runtime-service-account]=${DEVICES_RUNTIME_SERVICE_ACCOUNT:-}
  [notify-runtime-service-account]=${NOTIFY_RUNTIME_SERVICE_ACCOUNT:-}
  [cron-runtime-service-account]=${CRON_RUNTIME_SERVICE_ACCOUNT:-}
  [batches-runtime-service-account]=${BATCHES_RUNTIME_SERVICE_ACCOUNT:-}
  [deliver-runtime-service-account]=${DELIVER_RUNTIME_SERVICE_ACCOUNT:-}
  [deliver-trigger-service-account]=${DELIVER_TRIGGER_SERVICE_ACCOUNT:-}
  [scheduler-service-account]=${SCHEDULER_SERVICE_ACCOUNT:-}
  [runtime]=${RUNTIME:-nodejs22}
  [devices-ingress]=${DEVICES_INGRESS:-all}
  [time-zone]=${TIME_ZONE:-Etc/UTC}
  [devices-concurrency]=16
  [devices-cpu]=1
  [devices-memory]=512Mi
  [devices-max-instances]=20
  [devices-min-instances]=0
  [notify-concurrency]=16
  [notify-cpu]=1
  [notify-memory]=512Mi
  [notify-max-instances]=20
  [notify-min-instances]=0
  [cron-concurrency]=1
  [cron-cpu]=1
  [cron-memory]=512Mi
  [cron-max-instances]=3
  [cron-min-instances]=0
  [batches-concurrency]=16
  [batches-cpu]=1
  [batches-memory]=512Mi
  [batches-max-instances]=20
  [batches-min-instances]=0
  [deliver-concurrency]=16
  [deliver-cpu]=1
  [deliver-memory]=512Mi
  [deliver-max-instances]=10
  [deliver-min-instances]=0
)
mode=deploy
dry_run=false
# Every problem is collected, so one run names all of them.
errors=()
# Options already reported, so a missing value is not reported again as a missing option.
declare -A reported=()

split_identity_hint='use the --GROUP-runtime-service-account options (see --help)'
[ -z "${FUNCTIONS_SERVICE_ACCOUNT:-}" ] ||
  errors+=("FUNCTIONS_SERVICE_ACCOUNT is no longer read: each function now has its own identity; $split_identity_hint")

set_mode() {
  if [ "$mode" != deploy ] && [ "$mode" != "$1" ]; then
    errors+=("--$mode and --$1 exclude each other")
  fi
  mode=$1
}

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
    --dry-run | --print-iam-setup | --check)
      if $inline; then
        errors+=("$name takes no value")
      elif [ "$name" = --dry-run ]; then
        dry_run=true
      else
        set_mode "${name#--}"
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
if $dry_run && [ "$mode" != deploy ]; then
  errors+=("--dry-run and --$mode exclude each other (--$mode changes nothing anyway)")
fi

project=${opt[project]}
region=${opt[region]}
device_groups=${opt[device-groups]}
project_id='^[a-z][-a-z0-9]{4,28}[a-z0-9]$'
# Defaults that name the project can be set only now (a bad project is reported once, below).
[[ $project =~ $project_id ]] && in_project=$project || in_project=PROJECT
for group in "${ACCOUNT_GROUPS[@]}"; do
  [ -n "${opt[$group-runtime-service-account]}" ] ||
    opt[$group-runtime-service-account]=$group-runtime@$in_project.iam.gserviceaccount.com
done
[ -n "${opt[scheduler-service-account]}" ] ||
  opt[scheduler-service-account]=cron-invoker@$in_project.iam.gserviceaccount.com
[ -n "${opt[deliver-trigger-service-account]}" ] ||
  opt[deliver-trigger-service-account]=deliver-invoker@$in_project.iam.gserviceaccount.com
[ -n "${opt[cron-url]}" ] || opt[cron-url]=https://${region:-REGION}-$in_project.cloudfunctions.net/cron
# Used only when callers are given and no audience is set yet (see the notify-user settings).
default_notify_url=https://${region:-REGION}-$in_project.cloudfunctions.net/notify-user
default_notify_users_url=https://${region:-REGION}-$in_project.cloudfunctions.net/notify-users

# check NAME ENV_VAR PATTERN DESCRIPTION: the value of --NAME must match PATTERN (a bash
# regex); an empty value is reported as missing.
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
# optional NAME PATTERN DESCRIPTION: as check, for an option that may be absent.
optional() {
  [ -z "${opt[$1]}" ] || check "$1" '' "$2" "$3"
}
email='^[^@[:space:]]+@[^@[:space:]]+\.[^@[:space:]]+$'
whole='^(0|[1-9][0-9]{0,3})$'
cpu='^([0-9]+|[0-9]*\.[0-9]+)$'
memory='^[1-9][0-9]*(Mi|Gi)$'
sender_id_text='the Firebase project number (digits only; Firebase console > Project settings > Cloud Messaging > Sender ID), not the project ID'

check project GOOGLE_CLOUD_PROJECT "$project_id" 'a project ID (6-30 lowercase letters, digits and hyphens)'
if [ "$mode" = check ]; then
  optional device-groups '^(fcm|firestore)$' 'fcm or firestore'
else
  check device-groups DEVICE_GROUPS '^(fcm|firestore)$' 'fcm or firestore'
fi
if [ "$mode" = deploy ]; then
  check region REGION '^[a-z]+-[a-z]+[0-9]+$' 'a region such as europe-west1'
else
  optional region '^[a-z]+-[a-z]+[0-9]+$' 'a region such as europe-west1'
fi
# Only device groups need the sender id (the firestore backend makes no device-group call).
if [ "$mode" = deploy ] && [ "$device_groups" = fcm ]; then
  check fcm-sender-id FCM_SENDER_ID '^[0-9]+$' "$sender_id_text"
else
  optional fcm-sender-id '^[0-9]+$' "$sender_id_text"
fi
for group in "${ACCOUNT_GROUPS[@]}"; do
  check "$group-runtime-service-account" '' "$email" 'a service account email'
done
check scheduler-service-account '' "$email" 'a service account email'
check deliver-trigger-service-account '' "$email" 'a service account email'
check runtime '' '^nodejs[0-9]+$' 'a Node.js runtime such as nodejs22'
check devices-ingress DEVICES_INGRESS '^(all|internal-and-gclb)$' 'all or internal-and-gclb'
optional device-group-prefix '^[A-Za-z0-9_.-]{1,64}$' '1-64 letters, digits, dots, dashes or underscores'
check time-zone '' '^[A-Za-z0-9_+/-]+$' 'an IANA time zone such as Europe/Amsterdam'
check cron-url '' '^https://[^[:space:]]+$' 'an https URL'
optional notify-url '^https://[^[:space:]]+$' 'an https URL'
optional notify-users-url '^https://[^[:space:]]+$' 'an https URL'
# config.ts's NOTIFY_TOPIC shape, shortened by the dead-letter suffix (255 characters in all).
check notify-topic NOTIFY_TOPIC '^[A-Za-z][A-Za-z0-9._~%+-]{2,200}$' 'a Pub/Sub topic id (3-201 letters, digits and ._~%+-, starting with a letter)'
[[ ${opt[notify-topic]} != goog* ]] || errors+=("--notify-topic must not start with \"goog\" (Pub/Sub reserves it)")
if [ -n "${opt[env-file]}" ] && [ ! -f "${opt[env-file]}" ]; then
  errors+=("--env-file ${opt[env-file]}: no such file")
fi
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
for group in "${ACCOUNT_GROUPS[@]}"; do
  check "$group-concurrency" '' "$whole" 'a whole number from 1 to 1000'
  check "$group-cpu" '' "$cpu" 'a number of vCPUs such as 1 or 0.5'
  check "$group-memory" '' "$memory" 'a size such as 512Mi or 1Gi'
  check "$group-max-instances" '' "$whole" 'a whole number from 1 to 1000'
  check "$group-min-instances" '' "$whole" 'a whole number from 0 to 1000'
  concurrency=${opt[$group-concurrency]}
  group_cpu=${opt[$group-cpu]}
  max=${opt[$group-max-instances]}
  min=${opt[$group-min-instances]}
  if [[ $concurrency =~ $whole ]] && ((concurrency < 1 || concurrency > 1000)); then
    errors+=("--$group-concurrency must be a whole number from 1 to 1000, got \"$concurrency\"")
  fi
  if [[ $max =~ $whole ]] && ((max < 1 || max > 1000)); then
    errors+=("--$group-max-instances must be a whole number from 1 to 1000, got \"$max\"")
  fi
  if [[ $min =~ $whole ]] && ((min > 1000)); then
    errors+=("--$group-min-instances must be a whole number from 0 to 1000, got \"$min\"")
  elif [[ $min =~ $whole ]] && [[ $max =~ $whole ]] && ((min > max)); then
    errors+=("--$group-min-instances $min is more than --$group-max-instances $max")
  fi
  # 2nd gen serves more than one request per instance only with at least one whole vCPU.
  if [[ $concurrency =~ $whole ]] && ((concurrency > 1)) && [[ $group_cpu =~ $cpu ]] && [[ ! $group_cpu =~ ^0*[1-9] ]]; then
    errors+=("--$group-concurrency $concurrency needs --$group-cpu 1 or more (2nd gen serves concurrent requests only with a whole vCPU), got $group_cpu")
  fi
done

if [ ${#errors[@]} -gt 0 ]; then
  printf 'deploy.sh: %s\n' "${errors[@]}" >&2
  echo 'Run ./deploy.sh --help for every option.' >&2
  exit 2
fi

declare -A account=()
for group in "${ACCOUNT_GROUPS[@]}"; do
  account[$group]=${opt[$group-runtime-service-account]}
done
scheduler_sa=${opt[scheduler-service-account]}
trigger_sa=${opt[deliver-trigger-service-account]}
cron_url=${opt[cron-url]}
topic=${opt[notify-topic]}
dead_letter_topic=$topic-dead-letter

# Prints a command as shell input (so the output of --print-iam-setup can be piped to bash).
show() {
  printf '%q' "$1"
  shift
  printf ' %q' "$@"
  printf '\n'
}

# group_roles GROUP: the project roles of the group's runtime account. FCM's role goes only
# to the accounts that call FCM with the chosen backend (docs/deployment-security.md).
# notifyUsers' publisher role is on NOTIFY_TOPIC alone, granted by deploy.sh with the topic.
group_roles() {
  echo roles/datastore.user
  case $1 in
    notify | deliver) echo roles/firebasecloudmessaging.admin ;;
    devices | cron) if [ "$device_groups" = fcm ]; then echo roles/firebasecloudmessaging.admin; fi ;;
  esac
}
# Every account deploy.sh expects to exist: the runtime ones, then the two invoker identities.
all_accounts=()
for group in "${ACCOUNT_GROUPS[@]}"; do all_accounts+=("${account[$group]}"); done
all_accounts+=("$scheduler_sa" "$trigger_sa")

if [ "$mode" = print-iam-setup ]; then
  echo "# Service accounts and project roles for the device registration API in $project"
  echo "# (--device-groups $device_groups). Why each role: docs/deployment-security.md. The bindings"
  echo '# on single resources are made by deploy.sh itself: roles/run.invoker on cron for the'
  echo '# scheduler account, on notify-user and notify-users for each --notify-callers account, on'
  echo "# the deliver-notification functions for the trigger account; roles/pubsub.publisher on"
  echo "# the topic $topic for notifyUsers' account; the Pub/Sub service agent's roles for dead letters."
  for sa in "${all_accounts[@]}"; do
    if [[ $sa == *@"$project".iam.gserviceaccount.com ]]; then
      show gcloud iam service-accounts create "${sa%@*}" "--project=$project" \
        "--display-name=device registration: ${sa%@*}"
    else
      echo "# $sa is not an account of $project: create it where it belongs."
    fi
  done
  for group in "${ACCOUNT_GROUPS[@]}"; do
    while read -r role; do
      show gcloud projects add-iam-policy-binding "$project" "--member=serviceAccount:${account[$group]}" \
        "--role=$role" --condition=None
    done < <(group_roles "$group")
  done
  if [ "$device_groups" = firestore ]; then
    echo '# With firestore, addDevice, removeDevice and cron make no FCM call. If an earlier setup'
    echo '# (fcm, or notifyUser running as devices-runtime) gave their accounts the FCM role, remove'
    echo '# it once every function runs this version (docs/switching-backends.md):'
    for group in devices cron; do
      printf '# '
      show gcloud projects remove-iam-policy-binding "$project" "--member=serviceAccount:${account[$group]}" \
        --role=roles/firebasecloudmessaging.admin --condition=None
    done
  fi
  exit 0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/deploy.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

run() {
  if $dry_run; then
    printf '+ '
    show "$@"
  else
    "$@"
  fi
}

# Runs a read-only gcloud command: its output on stdout, its error message in $tmp/error.
read_gcloud() {
  gcloud "$@" 2>"$tmp/error"
}
# The first line of the last gcloud error, for a checklist line.
last_error() {
  sed -n '1{s/^ERROR: ([^)]*) //;p;q}' "$tmp/error"
}
not_found() {
  grep -qiE 'NOT_FOUND|not found|does not exist' "$tmp/error"
}

# ---- The project check (--check, and the first step of every deployment) ----
problems=0
missing_apis=()
cloudfunctions_enabled=true
pubsub_enabled=true
# The project's number: the Pub/Sub service agent is service-NUMBER@gcp-sa-pubsub.
project_number=''
item() { # item ok|MISSING|WRONG TEXT [FIX...]
  local state=$1 text=$2 fix
  shift 2
  printf '  %-8s %s\n' "$state" "$text"
  [ "$state" = ok ] || problems=$((problems + 1))
  for fix in "$@"; do printf '           %s\n' "$fix"; done
}
check_project() {
  local who adc_fix enabled db missing_accounts=()
  echo "==> checking project $project"
  who=$(read_gcloud auth list --filter=status:ACTIVE '--format=value(account)' | head -n 1) || who=''
  if [ -z "$who" ]; then
    item MISSING 'gcloud is logged in (every other check needs it)' 'fix: gcloud auth login'
    return
  fi
  item ok "gcloud is logged in as $who"
  adc_fix='fix: gcloud auth application-default login'
  if read_gcloud auth application-default print-access-token >/dev/null; then
    item ok 'application default credentials (the Scheduler job and the rules release use them)'
  else
    item MISSING 'application default credentials (the Scheduler job and the rules release use them)' "$adc_fix"
  fi
  if ! project_number=$(read_gcloud projects describe "$project" '--format=value(projectNumber)') || [ -z "$project_number" ]; then
    item MISSING "project $project can be read by $who: $(last_error)" \
      'fix: check --project, or ask for a role on the project (gcloud projects list shows yours)'
    return
  fi
  item ok "project $project (number $project_number)"
  if [ -n "${opt[fcm-sender-id]}" ]; then
    if [ "${opt[fcm-sender-id]}" = "$project_number" ]; then
      item ok '--fcm-sender-id is the project number'
    else
      item WRONG "--fcm-sender-id ${opt[fcm-sender-id]} is not the number of $project" \
        "fix: --fcm-sender-id $project_number"
    fi
  fi
  enabled=$(read_gcloud services list --enabled "--project=$project" '--format=value(config.name)') || {
    item MISSING "the enabled APIs can be listed: $(last_error)" 'fix: ask for roles/serviceusage.serviceUsageViewer'
    return
  }
  for api in "${REQUIRED_APIS[@]}"; do
    grep -qxF "$api" <<<"$enabled" || missing_apis+=("$api")
  done
  if [ ${#missing_apis[@]} -eq 0 ]; then
    item ok "the ${#REQUIRED_APIS[@]} APIs a deployment uses are enabled"
  else
    grep -qxF cloudfunctions.googleapis.com <<<"$enabled" || cloudfunctions_enabled=false
    grep -qxF pubsub.googleapis.com <<<"$enabled" || pubsub_enabled=false
    if [ "$mode" = check ]; then
      item MISSING "APIs not enabled: ${missing_apis[*]}" \
        "fix: gcloud services enable ${missing_apis[*]} --project=$project"
    else
      # Not a problem for a deployment: it enables them once every other check has passed.
      printf '  %-8s %s\n' enable "APIs not enabled yet, the deployment enables them: ${missing_apis[*]}"
    fi
  fi
  local create_db="fix: gcloud firestore databases create --location=${region:-LOCATION} --type=firestore-native --project=$project"
  local location_note="     (the location is permanent: the functions' region, or a multi-region such as eur3 or nam5)"
  if ! grep -qxF firestore.googleapis.com <<<"$enabled"; then
    item MISSING 'a Firestore database (default) in Native mode (firestore.googleapis.com is not enabled)' \
      "fix: gcloud services enable firestore.googleapis.com --project=$project" "$create_db" "$location_note"
  elif db=$(read_gcloud firestore databases describe '--database=(default)' "--project=$project" '--format=value(type)'); then
    if [ "$db" = FIRESTORE_NATIVE ]; then
      item ok 'Firestore database (default) in Native mode'
    else
      item WRONG "Firestore database (default) is in ${db:-an unknown} mode, not Native mode" \
        "fix: none in place: the app needs Native mode (another project, or Firestore's documentation on switching modes)"
    fi
  elif not_found; then
    item MISSING 'a Firestore database (default) in Native mode' "$create_db" "$location_note"
  else
    item MISSING "the Firestore database can be read: $(last_error)" 'fix: ask for roles/datastore.viewer or more'
  fi
  if ! grep -qxF iam.googleapis.com <<<"$enabled"; then
    item MISSING 'the runtime service accounts (not checked: iam.googleapis.com is not enabled)' \
      "fix: gcloud services enable iam.googleapis.com --project=$project"
    return
  fi
  for sa in "${all_accounts[@]}"; do
    if ! read_gcloud iam service-accounts describe "$sa" "--project=$project" '--format=value(email)' >/dev/null; then
      missing_accounts+=("$sa")
    fi
  done
  if [ ${#missing_accounts[@]} -eq 0 ]; then
    item ok 'the runtime and invoker service accounts exist'
  else
    item MISSING "service accounts: ${missing_accounts[*]}" \
      "fix: ./deploy.sh --project=$project --device-groups=${device_groups:-fcm|firestore} --print-iam-setup (review, then run its commands)"
  fi
}

check_project
if [ "$mode" = check ]; then
  if [ $problems -eq 0 ]; then
    echo "==> $project is ready for ./deploy.sh"
    exit 0
  fi
  echo "==> $problems to fix in $project (above); run ./deploy.sh --check again afterwards"
  exit 1
fi
if [ $problems -gt 0 ]; then
  echo "deploy.sh: $problems to fix in $project (above); nothing was changed" >&2
  exit 1
fi

# ---- Local checks: the same in a dry run and a real one ----
echo '==> build (compile what changed; then the gcp-build the Cloud Functions build runs)'
node tools/build/compile-if-stale.js
npm run --silent gcp-build

scheduler_args=("--project=$project" "--region=$region" "--url=$cron_url" "--service-account=$scheduler_sa"
  "--time-zone=${opt[time-zone]}")
echo '==> Cloud Scheduler job settings'
if ! node dist/tools/scheduler/main.js "${scheduler_args[@]}" --dry-run >"$tmp/scheduler" 2>"$tmp/error"; then
  # Its problems come before a blank line and its usage.
  sed '/^$/q' "$tmp/error" | sed '/^$/d; s/^/deploy.sh: /' >&2
  echo 'deploy.sh: the Scheduler job settings are refused (above); nothing was changed' >&2
  exit 2
fi
if $dry_run; then cat "$tmp/scheduler"; fi

echo '==> Firestore rules (firestore.rules)'
node dist/tools/deploy/release-rules.js "--project=$project" --rules=firestore.rules --dry-run >"$tmp/rules"
if $dry_run; then cat "$tmp/rules"; fi

# What deploy.sh's flags set on every function, and on one (function_settings NAME).
common_settings=(--set "GOOGLE_CLOUD_PROJECT=$project" --set "DEVICE_GROUPS=$device_groups")
[ -z "${opt[fcm-sender-id]}" ] || common_settings+=(--set "FCM_SENDER_ID=${opt[fcm-sender-id]}")
[ -z "${opt[device-group-prefix]}" ] || common_settings+=(--set "DEVICE_GROUP_PREFIX=${opt[device-group-prefix]}")
# notify_settings URL DEFAULT_URL: the allow-list of notifyUser or notifyUsers (the same callers).
notify_settings() {
  if [ ${#notify_callers[@]} -gt 0 ]; then
    printf '%s\n' --set "NOTIFY_SERVICE_ACCOUNTS=$(IFS=,; echo "${notify_callers[*]}")"
  fi
  # A deployed audience stays unless the URL flag changes it: the callers ask for it.
  if [ -n "$1" ]; then
    printf '%s\n' --set "NOTIFY_OIDC_AUDIENCE=$1"
  elif [ ${#notify_callers[@]} -gt 0 ]; then
    printf '%s\n' --default "NOTIFY_OIDC_AUDIENCE=$2"
  fi
}
function_settings() {
  case $1 in
    cron) printf '%s\n' --set "CRON_OIDC_AUDIENCE=$cron_url" --set "CRON_SERVICE_ACCOUNT=$scheduler_sa" ;;
    notify-user) notify_settings "${opt[notify-url]}" "$default_notify_url" ;;
    notify-users)
      notify_settings "${opt[notify-users-url]}" "$default_notify_users_url"
      printf '%s\n' --set "NOTIFY_TOPIC=$topic"
      ;;
    deliver-notification*) printf '%s\n' --set "NOTIFY_TOPIC=$topic" ;;
  esac
}
# invokers NAME: the accounts given roles/run.invoker on a private or event function.
invokers() {
  case $1 in
    cron) echo "$scheduler_sa" ;;
    notify-user | notify-users) if [ ${#notify_callers[@]} -gt 0 ]; then printf '%s\n' "${notify_callers[@]}"; fi ;;
    deliver-notification*) echo "$trigger_sa" ;;
  esac
}

# Each function's environment: what it has now, then the env file, then the flags; checked
# with the app's own parser before anything is deployed (tools/deploy/plan-env.ts).
plan=(--out "$tmp" "${common_settings[@]}")
[ -z "${opt[env-file]}" ] || plan+=(--env-file "${opt[env-file]}")
for row in "${FUNCTIONS[@]}"; do
  read -r fn entry _ <<<"$row"
  plan+=(--function "$fn" --entry-point "$entry")
  if $cloudfunctions_enabled; then
    if read_gcloud functions describe "$fn" --v2 "--region=$region" "--project=$project" --format=json >"$tmp/$fn.json"; then
      plan+=(--deployed "$tmp/$fn.json")
    elif ! not_found; then
      echo "deploy.sh: cannot read the deployed $fn: $(last_error)" >&2
      exit 1
    fi
  fi
  mapfile -t settings < <(function_settings "$fn")
  plan+=("${settings[@]}")
done
if ! node dist/tools/deploy/plan-env.js "${plan[@]}"; then
  echo "deploy.sh: the functions' environment is refused (above); nothing was changed" >&2
  exit 1
fi
# The login throttle counts a client by an X-Forwarded-For entry, counted from the right: the
# last one (hops 1) is the address Google's front end saw, the one before it (hops 2) the one a
# load balancer saw. With 2 and the function URL open, a client sends its own entry and chooses
# its address; with 1 behind a load balancer, every client is the load balancer.
hops=$(sed -n 's/^FORWARDED_FOR_HOPS: *"\{0,1\}\([0-9]*\)"\{0,1\}$/\1/p' "$tmp/add-device.yaml")
hops=${hops:-1}
if [ "${opt[devices-ingress]}" = all ] && [ "$hops" -gt 1 ]; then
  echo "deploy.sh: FORWARDED_FOR_HOPS=$hops needs --devices-ingress internal-and-gclb: with the function URLs open, a client would choose the address it is counted under; nothing was changed" >&2
  exit 1
fi
if [ "${opt[devices-ingress]}" = internal-and-gclb ] && [ "$hops" -lt 2 ]; then
  echo "deploy.sh: --devices-ingress internal-and-gclb needs FORWARDED_FOR_HOPS=2 (in the env file): behind the load balancer, the last X-Forwarded-For entry is the load balancer itself; nothing was changed" >&2
  exit 1
fi
# deliverNotification records a user `failed` after NOTIFY_MAX_ATTEMPTS sends; Pub/Sub must
# not dead-letter the event first (every redelivery counts there, waits included).
attempts=$(sed -n 's/^NOTIFY_MAX_ATTEMPTS: *"\{0,1\}\([0-9]*\)"\{0,1\}$/\1/p' "$tmp/deliver-notification.yaml")
attempts=${attempts:-5}
if [ "$attempts" -ge "$MAX_DELIVERY_ATTEMPTS" ]; then
  echo "deploy.sh: NOTIFY_MAX_ATTEMPTS=$attempts must be below the trigger subscription's $MAX_DELIVERY_ATTEMPTS delivery attempts (else Pub/Sub gives up on a user before the app records why); nothing was changed" >&2
  exit 1
fi

# ---- Changes: from here on, a dry run prints the commands instead ----
if [ ${#missing_apis[@]} -gt 0 ]; then
  echo '==> enable APIs'
  run gcloud services enable "${missing_apis[@]}" "--project=$project"
fi

echo '==> Firestore rules: release firestore.rules (clients get no access; the functions are not subject to rules)'
run npm run --silent release-rules -- "--project=$project" --rules=firestore.rules

# Pub/Sub's service agent: it moves a message to the dead-letter topic (publisher there,
# subscriber on the trigger subscription) and signs the push's OIDC token as the trigger account.
pubsub_agent=serviceAccount:service-$project_number@gcp-sa-pubsub.iam.gserviceaccount.com
# ensure_topic TOPIC: creates the topic unless it exists (it is never changed or deleted).
ensure_topic() {
  if $pubsub_enabled && read_gcloud pubsub topics describe "$1" "--project=$project" '--format=value(name)' >/dev/null; then
    echo "topic exists: $1"
  elif ! $pubsub_enabled || not_found; then
    run gcloud pubsub topics create "$1" "--project=$project"
  else
    echo "deploy.sh: cannot read the topic $1: $(last_error)" >&2
    exit 1
  fi
}
echo "==> Pub/Sub topics of batches: $topic and its dead-letter topic"
ensure_topic "$topic"
ensure_topic "$dead_letter_topic"
# Adding a binding that exists changes nothing. Each is on one resource only.
run gcloud pubsub topics add-iam-policy-binding "$topic" "--project=$project" \
  "--member=serviceAccount:${account[batches]}" --role=roles/pubsub.publisher
run gcloud pubsub topics add-iam-policy-binding "$dead_letter_topic" "--project=$project" \
  "--member=$pubsub_agent" --role=roles/pubsub.publisher
# Only for a service agent made before 2021-04-08 (newer ones have it), and only on this account.
run gcloud iam service-accounts add-iam-policy-binding "$trigger_sa" "--project=$project" \
  "--member=$pubsub_agent" --role=roles/iam.serviceAccountTokenCreator

# find_subscription FUNCTION: sets `sub` to the Pub/Sub subscription of the function's
# Eventarc trigger. A dry run prints the two reads (the function is not deployed yet) and
# goes on with the placeholders TRIGGER and SUBSCRIPTION.
find_subscription() {
  local describe=(gcloud functions describe "$1" --v2 "--region=$region" "--project=$project"
    '--format=value(eventTrigger.trigger)')
  local trigger_name name
  if $dry_run; then
    run "${describe[@]}"
    run gcloud eventarc triggers describe TRIGGER "--location=$region" "--project=$project" \
      '--format=value(transport.pubsub.subscription)'
    sub=SUBSCRIPTION
    return
  fi
  trigger_name=$("${describe[@]}")
  name=$(gcloud eventarc triggers describe "${trigger_name##*/}" "--location=$region" "--project=$project" \
    '--format=value(transport.pubsub.subscription)')
  if [ -z "$name" ]; then
    echo "deploy.sh: the trigger of $1 (${trigger_name:-none}) names no Pub/Sub subscription" >&2
    exit 1
  fi
  sub=${name##*/}
}

# capacity GROUP: the capacity flags of a group's functions.
capacity() {
  printf '%s\n' "--concurrency=${opt[$1-concurrency]}" "--cpu=${opt[$1-cpu]}" "--memory=${opt[$1-memory]}" \
    "--min-instances=${opt[$1-min-instances]}" "--max-instances=${opt[$1-max-instances]}"
}
echo '==> functions'
for row in "${FUNCTIONS[@]}"; do
  read -r fn entry group access timeout <<<"$row"
  access_flag=--allow-unauthenticated
  [ "$access" = public ] || access_flag=--no-allow-unauthenticated
  case $access in
    topic) trigger=(--trigger-topic="$topic" --retry "--trigger-service-account=$trigger_sa") ;;
    dead-letter) trigger=(--trigger-topic="$dead_letter_topic" --retry "--trigger-service-account=$trigger_sa") ;;
    *) trigger=(--trigger-http) ;;
  esac
  mapfile -t group_capacity < <(capacity "$group")
  [ "$group" = devices ] && group_capacity+=("--ingress-settings=${opt[devices-ingress]}")
  run gcloud functions deploy "$fn" --gen2 "--region=$region" "--project=$project" "--runtime=${opt[runtime]}" \
    --source=. "${trigger[@]}" "--entry-point=$entry" "$access_flag" "--timeout=$timeout" \
    "--service-account=${account[$group]}" "${group_capacity[@]}" "--env-vars-file=$tmp/$fn.yaml" --quiet
  # roles/run.invoker on this function alone. Removing an account from a list does not revoke
  # its binding: see docs/deployment-security.md.
  if [ "$access" != public ]; then
    while read -r member; do
      run gcloud functions add-invoker-policy-binding "$fn" "--region=$region" "--project=$project" \
        "--member=serviceAccount:$member"
    done < <(invokers "$fn")
  fi
  # The trigger's subscription, which Eventarc made (and makes again if the trigger changes):
  # its backoff, and for NOTIFY_TOPIC its dead-letter policy. Each update sets every flag of
  # its group (an omitted one would go back to its default).
  case $access in
    topic)
      find_subscription "$fn"
      run gcloud pubsub subscriptions update "$sub" "--project=$project" \
        "--dead-letter-topic=$dead_letter_topic" "--max-delivery-attempts=$MAX_DELIVERY_ATTEMPTS" \
        "--min-retry-delay=$MIN_RETRY_DELAY" "--max-retry-delay=$MAX_RETRY_DELAY"
      run gcloud pubsub subscriptions add-iam-policy-binding "$sub" "--project=$project" \
        "--member=$pubsub_agent" --role=roles/pubsub.subscriber
      ;;
    dead-letter)
      find_subscription "$fn"
      run gcloud pubsub subscriptions update "$sub" "--project=$project" \
        "--min-retry-delay=$MIN_RETRY_DELAY" "--max-retry-delay=$MAX_RETRY_DELAY"
      ;;
  esac
done

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

echo '==> Firestore indexes (firestore.indexes.json)'
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
# The TTL policies: one "collection-group field" pair per line of firestore.ttl.
while read -r group field; do
  [[ -z $group || $group == \#* ]] && continue
  run gcloud firestore fields ttls update "$field" "--project=$project" "--collection-group=$group" --enable-ttl --async --quiet
done <firestore.ttl

echo '==> Cloud Scheduler job'
run npm run --silent scheduler -- "${scheduler_args[@]}"

echo '==> function URLs'
for row in "${FUNCTIONS[@]}"; do
  read -r fn _ _ access _ <<<"$row"
  [ "$access" = public ] || [ "$access" = private ] || continue
  describe=(gcloud functions describe "$fn" --v2 "--region=$region" "--project=$project"
    '--format=value(serviceConfig.uri)')
  if $dry_run; then
    run "${describe[@]}"
  else
    printf '%s: %s\n' "$fn" "$("${describe[@]}")"
  fi
done
cat "$tmp/notes"
echo "==> done$($dry_run && echo ' (dry run: nothing was changed)'): cron runs every minute at $cron_url"
