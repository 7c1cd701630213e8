# Shared by bin/test and .ci/run (sourced from the project's root, POSIX sh): the Debian
# packages of bin/debian-packages.txt. `seance_packages` installs the missing ones when it
# runs as root or with passwordless sudo; otherwise it prints the apt-get line for them and
# fails, so that the caller stops with that message.

# The list's entries, one a line, comments and blanks dropped; alternatives as "a|b".
seance_package_list() {
  sed -e 's/#.*//' -e 's/[[:space:]]*|[[:space:]]*/|/g' -e 's/^[[:space:]]*//' \
    -e 's/[[:space:]]*$//' bin/debian-packages.txt | grep -v '^$'
}

# Whether a package's files are on the machine. A package whose service Debian could not
# start at installation (its port taken, no init in a container) stays "half-configured":
# its binaries are there, which is all the tests need (they start their own servers).
_seance_present() {
  case "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" in
    *" installed" | *" half-configured" | *" triggers-awaited" | *" triggers-pending") return 0 ;;
  esac
  return 1
}

# The entries none of whose alternatives is present.
seance_missing_packages() {
  for _seance_entry in $(seance_package_list); do
    # python3-venv only makes .venv: not needed once .venv is there.
    [ "$_seance_entry" = python3-venv ] && [ -x .venv/bin/python ] && continue
    _seance_found=""
    for _seance_name in $(echo "$_seance_entry" | tr '|' ' '); do
      if _seance_present "$_seance_name"; then _seance_found=1; break; fi
    done
    [ -n "$_seance_found" ] || echo "$_seance_entry"
  done
}

# The package to install for an entry: its first alternative that apt has, else its first.
_seance_pick() {
  for _seance_name in $(echo "$1" | tr '|' ' '); do
    case "$(apt-cache policy "$_seance_name" 2>/dev/null | sed -n 's/^ *Candidate: *//p')" in
      "" | "(none)") ;;
      *) echo "$_seance_name"; return 0 ;;
    esac
  done
  echo "${1%%|*}"
}

_seance_picks() {
  for _seance_entry in "$@"; do _seance_pick "$_seance_entry"; done | tr '\n' ' ' | sed 's/ $//'
}

seance_packages() {
  if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "Not a Debian or Ubuntu system (no dpkg-query): make sure the equivalents of" \
      "these packages are installed: $(seance_package_list | tr '\n' ' ')" >&2
    return 0
  fi
  # shellcheck disable=SC2046
  set -- $(seance_missing_packages)
  [ $# -gt 0 ] || return 0
  if [ "$(id -u)" = 0 ]; then
    _seance_as=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    _seance_as="sudo -n"
  else
    cat >&2 <<EOF
The tests need Debian packages that are not installed: $(echo "$*" | tr '|' '/')
Install them (or run this again as root, or with passwordless sudo, and it will):

    sudo apt-get install -y --no-install-recommends $(_seance_picks "$@")

EOF
    return 1
  fi
  echo "Installing the Debian packages the tests need: $(echo "$*" | tr '|' '/')" >&2
  if ! $_seance_as apt-get update -qq; then
    echo "apt-get update failed (see above): cannot install $(_seance_picks "$@")." >&2
    return 1
  fi
  _seance_names=$(_seance_picks "$@")
  _seance_status=0
  # shellcheck disable=SC2086
  $_seance_as env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    $_seance_names || _seance_status=$?
  # shellcheck disable=SC2046
  set -- $(seance_missing_packages)
  if [ $# -gt 0 ]; then
    echo "apt-get install failed (exit $_seance_status, see above); still missing:" \
      "$(echo "$*" | tr '|' '/')" >&2
    return 1
  fi
  if [ "$_seance_status" != 0 ]; then
    echo "apt-get install exited with $_seance_status, but every package is on the machine (a" \
      "service Debian tried to start did not; the tests start their own): going on." >&2
  fi
  return 0
}
