# Sourced by ./metricsdash start: the environment first, then .env, then fresh secrets for what
# neither has. A variable set in the environment wins over .env (dotenv's and docker compose's
# convention), so `SHOPIFY_API_SECRET=x ./metricsdash start` means x whatever .env holds.
# Needs md_say (services/bootstrap.sh) and bash ≥ 4 (associative arrays).

# Secrets of our own, so the README's curl example can sign a webhook and stores can connect, and
# Grafana (run by start when installed, or by compose) has its admin and read-only QuestDB logins.
MD_GENERATED_SECRETS=("SHOPIFY_API_SECRET:-hex 24" "CUSTOMER_HASH_KEY:-hex 32" "TOKEN_ENCRYPTION_KEY:-base64 32"
  "STORE_WEBHOOK_KEY:-hex 32" "HEATMAP_TOKEN_KEY:-hex 32" "HEATMAP_OPEN_PASSWORD:-hex 12"
  "QUESTDB_READONLY_PASSWORD:-hex 24" "GRAFANA_ADMIN_PASSWORD:-hex 16")

# md_env_names FILE: the names FILE assigns, one a line.
md_env_names() {
  sed -n -E 's/^[[:space:]]*(export[[:space:]]+)?([A-Za-z_][A-Za-z0-9_]*)=.*/\2/p' "$1"
}

# md_fill_secrets FILE: appends a fresh value to FILE for each secret that neither the environment
# nor FILE has, and says which. Nothing already in FILE is changed.
md_fill_secrets() {
  local file="$1" pair name
  for pair in "${MD_GENERATED_SECRETS[@]}"; do
    name="${pair%%:*}"
    [[ -v $name ]] && continue
    grep -q -E "^[[:space:]]*(export[[:space:]]+)?${name}=" "$file" && continue
    echo "${name}=$(openssl rand ${pair#*:})" >>"$file"
    md_say "neither the environment nor ${file} has ${name}: added a fresh one to ${file}"
  done
}

# md_load_env FILE: exports what FILE sets, except names the environment already has, which keep
# their value (and are named, so a stale .env entry is no surprise).
md_load_env() {
  local file="$1" name
  local -A kept=()
  while IFS= read -r name; do
    if [[ -v $name ]]; then
      kept[$name]="${!name}"
    fi
  done < <(md_env_names "$file")
  set -a
  # shellcheck disable=SC1090
  source "$file"
  set +a
  for name in "${!kept[@]}"; do
    export "$name=${kept[$name]}"
    md_say "${name} from the environment wins over ${file}"
  done
}

# md_prepare_env FILE: what `start` does before it starts anything.
md_prepare_env() {
  local file="$1"
  (umask 077 && touch "$file")
  md_fill_secrets "$file"
  md_load_env "$file"
}
