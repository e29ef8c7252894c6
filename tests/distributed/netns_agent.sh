#!/bin/sh
# Open MPI's rsh agent (--mca plm_rsh_agent) for tests/test_distributed.py: instead of ssh-ing to host $1,
# run the command in that host's network namespace (MINICONV_NETNS_HOSTS="ip=netns,ip=netns"), under its
# own host name (a new UTS namespace), so Open MPI sees two different hosts.
host=$1; shift
ns=""
for pair in $(echo "$MINICONV_NETNS_HOSTS" | tr ',' ' '); do
  [ "${pair%%=*}" = "$host" ] && ns=${pair#*=}
done
[ -n "$ns" ] || { echo "netns_agent.sh: unknown host $host" >&2; exit 1; }
exec ip netns exec "$ns" unshare --uts /bin/sh -c "hostname $ns; $*"
