#!/bin/sh
# Runs a command (the test suite) with a real Secret Service: a private D-Bus session bus and an
# unlocked gnome-keyring, under a throw-away HOME and XDG_RUNTIME_DIR, so the tests exercise the
# keyring the desktop uses on Linux without touching the user's own keyring or home directory.
#
#   tests/keyring_session.sh .venv/bin/python -m pytest
#
# Where dbus-run-session or gnome-keyring-daemon is missing the command runs as it is; the
# Secret Service tests then skip (and fail under CI=true, where .ci/run installs both).
set -eu

if ! command -v dbus-run-session >/dev/null 2>&1 \
    || ! command -v gnome-keyring-daemon >/dev/null 2>&1; then
    exec "$@"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/splitkey-keyring.XXXXXX")
mkdir -m 700 "$tmp/home" "$tmp/run"
status=0
# "pw" unlocks (and on first use creates) the login keyring of the throw-away home.
HOME="$tmp/home" XDG_RUNTIME_DIR="$tmp/run" SPLITKEY_KEYRING_SESSION=1 \
    dbus-run-session -- sh -c '
        printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null
        exec "$@"' sh "$@" || status=$?
rm -rf "$tmp"
exit "$status"
