#!/usr/bin/env bash
# The main job, locally, in one command: start a local AWS-compatible endpoint (moto over HTTPS with a
# CA generated for it), then bootstrap, plan and apply the local environment against it and print outputs.
#
#   examples/local-demo.sh           # run it, then stop the endpoint
#   examples/local-demo.sh --keep    # leave the endpoint running and print the variables to use it
#
# Needs only Rust and Python 3: the first run creates .venv with the pinned moto[server].
set -euo pipefail
cd "$(dirname "$0")/.."

keep=false
[[ "${1:-}" == "--keep" ]] && keep=true

echo "==> building dtr" >&2
cargo build --quiet --bin dtr
dtr=target/debug/dtr

state_dir=$(mktemp -d "${TMPDIR:-/tmp}/dtr-demo.XXXXXX")
fifo="$state_dir/launcher-stdin"
mkfifo "$fifo"
echo "==> starting the local endpoint (moto over HTTPS on 127.0.0.1)" >&2
# The launcher exits when its stdin closes: this script holds the fifo open until it ends.
python3 tests/harness/moto_launcher.py --cert-dir "$state_dir" --until-stdin-closes \
  <"$fifo" >"$state_dir/ready" &
launcher=$!
exec 3>"$fifo"
cleanup() {
  if ! $keep; then exec 3>&-; wait "$launcher" 2>/dev/null || true; rm -rf "$state_dir"; fi
}
trap cleanup EXIT
for _ in $(seq 600); do
  [[ -s "$state_dir/ready" ]] && break
  kill -0 "$launcher" 2>/dev/null || { echo "the endpoint failed to start" >&2; exit 1; }
  sleep 0.2
done
ready=$(head -n1 "$state_dir/ready")
url=$(python3 -c 'import json,sys; print(json.loads(sys.argv[1])["https_url"])' "$ready")

export AWS_ENDPOINT_URL="$url"
export AWS_CA_BUNDLE="$state_dir/ca.pem"
export AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local AWS_EC2_METADATA_DISABLED=true
echo "==> endpoint $AWS_ENDPOINT_URL (CA $AWS_CA_BUNDLE)" >&2

echo; echo "==> dtr bootstrap --env local" >&2
"$dtr" bootstrap --env local
echo; echo "==> dtr plan --env local" >&2
"$dtr" plan --env local
echo; echo "==> dtr apply --env local --auto-approve" >&2
"$dtr" apply --env local --auto-approve
echo; echo "==> dtr plan --env local --detailed-exitcode (expect no changes)" >&2
"$dtr" plan --env local --detailed-exitcode

if $keep; then
  cat >&2 <<EOM

The endpoint keeps running (pid $launcher). To use it from this shell:
  export AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL AWS_CA_BUNDLE=$AWS_CA_BUNDLE AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local
Stop it with: kill $launcher
EOM
  # The launcher runs while something holds its stdin open: hand that to a detached sleep first.
  nohup sleep infinity >"$fifo" 2>/dev/null &
  disown -a
  exec 3>&-
fi
