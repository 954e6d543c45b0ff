# Sourced by ./metricsdash: brings up what a fresh machine lacks, and does nothing on a second run
# beyond a few checks. Downloads are cached outside the repository (~/.cache, ~/.m2).
# Needs: bash, npm, and either root or sudo for apt-get when nats-server or Java is missing.

MD_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/metricsdash"
QUESTDB_VERSION="${QUESTDB_VERSION:-9.3.4}"
NODE_WANTED_MAJOR=24
mkdir -p "$MD_CACHE"

md_say() { printf '\033[1m[metricsdash]\033[0m %s\n' "$*" >&2; }

md_node_ok() {
  # Node ≥ 22.12: the floor of vitest and of JSON.parse source access we rely on.
  command -v node >/dev/null 2>&1 || return 1
  node -e 'const [a,b]=process.versions.node.split(".").map(Number);process.exit(a>22||(a===22&&b>=12)?0:1)'
}

md_ensure_node() {
  local cached="$MD_CACHE/node$NODE_WANTED_MAJOR/node_modules/.bin"
  if [ -x "$cached/node" ]; then export PATH="$cached:$PATH"; fi
  md_node_ok && return 0
  md_say "Node $(node --version 2>/dev/null || echo 'none') is too old; installing Node $NODE_WANTED_MAJOR from the npm registry (package node@$NODE_WANTED_MAJOR)"
  npm install --prefix "$MD_CACHE/node$NODE_WANTED_MAJOR" --no-save --no-audit --no-fund --loglevel=error "node@$NODE_WANTED_MAJOR" >&2
  export PATH="$cached:$PATH"
  md_node_ok || { md_say "could not provide Node >= 22.12 (got $(node --version))"; return 1; }
}

md_apt_install() {
  local sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  md_say "installing Debian packages: $*"
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}

md_ensure_deps() {
  # npm ci when node_modules is missing or older than the lock file.
  if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    md_say "installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error >&2
  fi
}

md_ensure_nats() {
  command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ] || md_apt_install nats-server
  command -v nats-server >/dev/null 2>&1 || export PATH="$PATH:/usr/sbin"
}

md_ensure_questdb() {
  command -v java >/dev/null 2>&1 || md_apt_install openjdk-17-jre-headless
  # Copied out of Maven's repository into our cache: Maven's own location follows Java's user.home,
  # which need not be $HOME.
  local jar="$MD_CACHE/questdb-$QUESTDB_VERSION.jar"
  if [ ! -f "$jar" ]; then
    command -v mvn >/dev/null 2>&1 || md_apt_install maven
    md_say "fetching QuestDB $QUESTDB_VERSION from Maven Central"
    mvn -q -B dependency:copy "-Dartifact=org.questdb:questdb:$QUESTDB_VERSION" "-DoutputDirectory=$MD_CACHE" >&2
  fi
  export QUESTDB_VERSION QUESTDB_JAR="$jar"
}

md_ensure_chromium() {
  # Only the browser test needs it (test/connect-browser.test.ts, test/alerting-ui.test.ts); CHROMIUM_PATH points elsewhere.
  [ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || md_apt_install chromium
}

md_bootstrap() {
  local started=$SECONDS
  md_ensure_node && md_ensure_deps && md_ensure_nats && md_ensure_questdb || return 1
  md_say "ready in $((SECONDS - started)) s: node $(node --version), $(nats-server --version 2>/dev/null), QuestDB $QUESTDB_VERSION"
}
