#!/usr/bin/env bash
# A stand-in for gcloud and npm in the tests of deploy.sh (test/unit/tools/deploy/fake-cli.ts
# copies it as both). It logs each call to $dir/calls (arguments separated by \x1f) and, as
# gcloud, answers from the project state in $dir: account, adc, project-number, apis,
# database, missing-accounts, topics, functions/NAME.json (a deployed function's environment,
# which `functions deploy` writes from the YAML deploy.sh gives it: one `NAME: "json"` a line).
dir=$(dirname "$0")
tool=$(basename "$0")
{ printf '%s' "$tool"; [ $# -eq 0 ] || printf '\x1f%s' "$@"; printf '\n'; } >>"$dir/calls"
[ "$tool" = gcloud ] || exit 0
fail() {
  echo "ERROR: (gcloud.$1) $2" >&2
  exit 1
}
flag() {
  local a
  for a in "${args[@]}"; do
    if [[ $a == "--$1="* ]]; then echo "${a#--"$1"=}"; fi
  done
}
args=("$@")
words=()
for a in "$@"; do [[ $a == --* ]] || words+=("$a"); done
case "${words[*]}" in
  'auth list') cat "$dir/account" ;;
  'auth application-default print-access-token')
    [ "$(cat "$dir/adc")" = true ] || fail auth 'Could not automatically determine credentials.'
    echo ya29.fake ;;
  'projects describe '*)
    number=$(cat "$dir/project-number")
    [ -n "$number" ] || fail projects.describe 'PERMISSION_DENIED: the project does not exist or you lack access'
    echo "$number" ;;
  'services list') cat "$dir/apis" ;;
  'services enable '*) printf '%s\n' "${words[@]:2}" >>"$dir/apis" ;;
  'firestore databases describe')
    database=$(cat "$dir/database")
    [ -n "$database" ] || fail firestore.databases.describe 'NOT_FOUND: Project has no database (default)'
    echo "$database" ;;
  'iam service-accounts describe '*)
    if grep -qxF "${words[3]}" "$dir/missing-accounts"; then
      fail iam.service-accounts.describe 'NOT_FOUND: Unknown service account'
    fi
    echo "${words[3]}" ;;
  'functions describe '*)
    env="$dir/functions/${words[2]}.json"
    [ -f "$env" ] || fail functions.describe "NOT_FOUND: Resource 'projects/p/locations/r/functions/${words[2]}' was not found"
    uri="https://${words[2]}-xyz-ew.a.run.app"
    if [ "$(flag format)" = json ]; then
      printf '{"name":"%s","serviceConfig":{"uri":"%s","environmentVariables":%s}}\n' "${words[2]}" "$uri" "$(cat "$env")"
    elif [ "$(flag format)" = 'value(eventTrigger.trigger)' ]; then
      echo "projects/p/locations/r/triggers/${words[2]}-123456"
    else
      echo "$uri"
    fi ;;
  'eventarc triggers describe '*)
    echo "projects/p/subscriptions/eventarc-r-${words[3]}-sub-789" ;;
  'pubsub topics describe '*)
    grep -qxF "${words[3]}" "$dir/topics" || fail pubsub.topics.describe "NOT_FOUND: Resource not found (resource=${words[3]})."
    echo "projects/p/topics/${words[3]}" ;;
  'pubsub topics create '*) echo "${words[3]}" >>"$dir/topics" ;;
  'functions deploy '*)
    { printf '{'; sed -nE 's/^([A-Z_][A-Z0-9_]*): (".*")$/"\1":\2/p' "$(flag env-vars-file)" | paste -sd, -; printf '}'; } \
      >"$dir/functions/${words[2]}.json" ;;
esac
