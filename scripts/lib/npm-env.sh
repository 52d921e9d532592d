# Sourced by the install scripts. npm exports its whole configuration to every script it runs (npm_config_*), so
# an install started from inside `npm test` or `npm start` would inherit the caller's settings: ignore-scripts (no
# native modules built), global, omit, dry-run, a workspace, and so on. The installs here must behave the same
# whoever calls them, so they drop every npm_config_* but the few that say how to reach the registry.
keep_npm_config='^npm_config_(registry|cache|userconfig|globalconfig|proxy|https_proxy|http_proxy|noproxy|no_proxy|strict_ssl|cafile|ca|fetch_retries|fetch_retry_mintimeout|fetch_retry_maxtimeout|fetch_timeout|loglevel|_auth.*|//.*)$'
while IFS='=' read -r name _; do
  lower=$(printf '%s' "$name" | tr '[:upper:]' '[:lower:]')
  case "$lower" in npm_config_*) ;; *) continue ;; esac
  [[ "$lower" =~ $keep_npm_config ]] || unset "$name"
done < <(env)
unset lower name keep_npm_config
