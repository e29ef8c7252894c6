#!/bin/sh
# with_hostname.sh NAME CMD...: set the host name (inside a fresh UTS namespace), then run CMD.
hostname "$1"; shift; exec "$@"
