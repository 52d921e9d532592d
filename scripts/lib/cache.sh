# Sourced by the install scripts (install-n8n.sh, install-node.sh, install-npm.sh), after lib/npm-env.sh.
# $cache: the folder outside the repository that holds what they install: $N8N_CACHE_DIR, else
# $XDG_CACHE_HOME/n8n-nodes-cogvideox, else ~/.cache/n8n-nodes-cogvideox.
cache="${N8N_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-cogvideox}"

# cache_package <folder> <package> <version> <binary>: installs <package>@<version> from npm into $cache/<folder>
# (install scripts off: these packages need none), once: a second call, or one waiting on the lock while another
# installs, reuses it. Prints the path of <binary>, relative to that folder, after checking that it runs.
cache_package() {
  local dir="$cache/$1" package="$2" version="$3"
  local bin="$dir/$4"
  if [ ! -f "$dir/.installed" ] || [ ! -x "$bin" ]; then
    mkdir -p "$cache"
    exec 9>"$dir.lock"
    flock 9
    if [ ! -f "$dir/.installed" ] || [ ! -x "$bin" ]; then
      rm -rf "$dir"
      mkdir -p "$dir"
      echo "{\"name\":\"cache-$1\",\"private\":true,\"dependencies\":{\"$package\":\"$version\"}}" > "$dir/package.json"
      echo "Installing $package $version into $dir..." >&2
      (cd "$dir" && npm install --ignore-scripts --no-audit --no-fund --loglevel=error 1>&2)
      "$bin" --version >/dev/null
      touch "$dir/.installed"
    fi
    exec 9>&-
  fi
  echo "$bin"
}
