# tests/slurm/slurm.sh — a private SLURM cluster on this machine, on loopback,
# shellcheck shell=bash
# for the tests (sourced, not run; tests/slurm/start_slurm.sh and
# stop_slurm.sh wrap it for use by hand).  Installs nothing: the packages
# (slurm-wlm, slurmctld, slurmd, slurm-client, munge) come from
# tools/install-deps.sh, which `make check` runs first.
#
#   slurm_start DIR   writes DIR/slurm.conf (the recipe of
#                     ../shared/design/ENVIRONMENT.md: CPUs = nproc,
#                     RealMemory = 80% of MemTotal), creates
#                     /etc/munge/munge.key when it is missing, starts munged
#                     (as user munge, on a socket of its own in DIR/munge),
#                     slurmctld and slurmd (on two free loopback ports, so that
#                     a system SLURM or another test's cluster is not
#                     disturbed), exports SLURM_CONF and waits until
#                     `sinfo -h -o %T` says idle.  It returns 1 with the
#                     reason and the daemons' log tails when SLURM cannot
#                     start.  It adds slurm_stop to the EXIT trap.
#   slurm_stop        cancels the cluster's jobs, waits for them to end, and
#                     stops slurmd, slurmctld and munged by the PIDs in their
#                     pid files (never by name).  Safe to call twice.
#
# Needs root (slurmd runs jobs as their users; munged is started as munge).

SLURM_DIR=""

_slurm_say() { echo "slurm: $*" >&2; }

# The PID in FILE if that process is alive and its command line contains WHAT.
_slurm_pid() { # FILE WHAT
    local pid
    [ -f "$1" ] || return 1
    read -r pid <"$1" 2>/dev/null || return 1
    case $pid in '' | *[!0-9]*) return 1 ;; esac
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$2" || return 1
    echo "$pid"
}

_slurm_logs() {
    local f
    for f in "$SLURM_DIR/log/slurmctld.log" "$SLURM_DIR/log/slurmd.log" "$SLURM_DIR/munge/munged.log" \
        "$SLURM_DIR/log/slurmctld.out" "$SLURM_DIR/log/slurmd.out"; do
        [ -s "$f" ] || continue
        echo "---- last lines of $f" >&2
        tail -15 "$f" >&2
    done
}

_slurm_fail() {
    _slurm_say "SLURM CANNOT START ON THIS MACHINE: $*"
    _slurm_logs
    return 1
}

# Two free TCP ports on 127.0.0.1.
_slurm_ports() {
    "${PYTHON:-/usr/bin/python3}" - <<'PY'
import socket
socks = []
for _ in range(2):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}

slurm_start() { # DIR
    local dir=$1 p cpus mem ports ctld_port d_port state deadline t0
    t0=$(date +%s%N)
    [ "$(id -u)" -eq 0 ] || { _slurm_fail "the test cluster needs root (slurmd, munged as user munge)"; return 1; }
    for p in /usr/sbin/slurmctld /usr/sbin/slurmd /usr/sbin/munged sbatch squeue scontrol scancel sinfo srun runuser; do
        command -v "$p" >/dev/null 2>&1 ||
            { _slurm_fail "$p not found: install the packages with tools/install-deps.sh (as root)"; return 1; }
    done
    id munge >/dev/null 2>&1 || { _slurm_fail "no user munge (package munge not installed?)"; return 1; }
    mkdir -p "$dir" || { _slurm_fail "cannot create $dir"; return 1; }
    SLURM_DIR=$(cd "$dir" && pwd)
    # Add slurm_stop to the EXIT trap (keeping what is there), and make INT
    # and TERM exit so that the trap runs.
    local prev
    prev=$(trap -p EXIT | sed -e "s/^trap -- '//" -e "s/' EXIT\$//" -e "s/'\\\\''/'/g")
    # shellcheck disable=SC2064
    trap "slurm_stop; $prev" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM

    mkdir -p "$SLURM_DIR"/{state,spool,log,munge,tmp}
    # munged (user munge) must reach its socket: every directory above it
    # needs x for everyone (munged checks it).
    p=$SLURM_DIR
    while [ "$p" != / ]; do
        chmod a+x "$p" 2>/dev/null
        p=$(dirname "$p")
    done
    chown munge:munge "$SLURM_DIR/munge" && chmod 755 "$SLURM_DIR/munge" ||
        { _slurm_fail "cannot give $SLURM_DIR/munge to user munge"; return 1; }

    # The munge key, once per machine.
    if [ ! -s /etc/munge/munge.key ]; then
        mkdir -p /etc/munge
        if command -v mungekey >/dev/null 2>&1; then
            mungekey --create --keyfile=/etc/munge/munge.key
        else
            dd if=/dev/urandom of=/etc/munge/munge.key bs=1 count=1024 2>/dev/null
        fi || { _slurm_fail "cannot create /etc/munge/munge.key"; return 1; }
        chown munge:munge /etc/munge /etc/munge/munge.key
        chmod 700 /etc/munge
        chmod 400 /etc/munge/munge.key
        _slurm_say "created /etc/munge/munge.key"
    fi
    local sock=$SLURM_DIR/munge/munge.socket
    runuser -u munge -- /usr/sbin/munged --socket="$sock" --pid-file="$SLURM_DIR/munge/munged.pid" \
        --log-file="$SLURM_DIR/munge/munged.log" --seed-file="$SLURM_DIR/munge/munged.seed" \
        >"$SLURM_DIR/log/munged.out" 2>&1 ||
        { cat "$SLURM_DIR/log/munged.out" >&2; _slurm_fail "munged did not start"; return 1; }
    deadline=$((SECONDS + 10))
    until munge -S "$sock" -n </dev/null 2>/dev/null | unmunge -S "$sock" >/dev/null 2>&1; do
        [ "$SECONDS" -lt "$deadline" ] || { _slurm_fail "munged does not answer on $sock"; return 1; }
        sleep 0.1
    done

    cpus=$(nproc)
    mem=$(awk '/^MemTotal:/ { printf "%d", $2 / 1024 * 0.8 }' /proc/meminfo)
    ports=$(_slurm_ports) || { _slurm_fail "cannot find free ports"; return 1; }
    read -r ctld_port d_port <<<"$ports"
    local first_job=$(( (RANDOM << 15 | RANDOM) % 50000000 + 1000 ))
    cat >"$SLURM_DIR/slurm.conf" <<EOF
# Written by tests/slurm/slurm.sh: one node on loopback, for the tests.
ClusterName=alfetest
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$sock
StateSaveLocation=$SLURM_DIR/state
SlurmdSpoolDir=$SLURM_DIR/spool
SlurmctldPidFile=$SLURM_DIR/slurmctld.pid
SlurmdPidFile=$SLURM_DIR/slurmd.pid
SlurmctldLogFile=$SLURM_DIR/log/slurmctld.log
SlurmdLogFile=$SLURM_DIR/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=pmix
ReturnToService=2
MailProg=/bin/true
EnforcePartLimits=ALL
# Finished jobs stay visible to scontrol for 20 minutes (the tests poll them).
MinJobAge=1200
# Another test cluster may run on this machine at the same time (make check
# of another checkout): job ids of their own, and a TmpFS of their own (the
# pmix plugin keys directories there by job id).
FirstJobId=$first_job
TmpFS=$SLURM_DIR/tmp
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
    export SLURM_CONF=$SLURM_DIR/slurm.conf
    /usr/sbin/slurmctld -f "$SLURM_CONF" >"$SLURM_DIR/log/slurmctld.out" 2>&1 ||
        { _slurm_fail "slurmctld exited $?"; return 1; }
    /usr/sbin/slurmd -f "$SLURM_CONF" -N localhost >"$SLURM_DIR/log/slurmd.out" 2>&1 ||
        { _slurm_fail "slurmd exited $?"; return 1; }
    deadline=$((SECONDS + 30))
    state=""
    while [ "$SECONDS" -lt "$deadline" ]; do
        state=$(sinfo -h -o %T 2>&1)
        [ "$state" = idle ] && break
        sleep 0.2
    done
    [ "$state" = idle ] || { _slurm_fail "node not idle after 30 s (sinfo: $state)"; return 1; }
    _slurm_say "up in $(( ($(date +%s%N) - t0) / 1000000 )) ms: $SLURM_CONF (ports $ctld_port, $d_port;" \
        "pids slurmctld $(cat "$SLURM_DIR/slurmctld.pid"), slurmd $(cat "$SLURM_DIR/slurmd.pid")," \
        "munged $(cat "$SLURM_DIR/munge/munged.pid"))"
}

slurm_stop() {
    [ -n "$SLURM_DIR" ] || return 0
    local conf=$SLURM_DIR/slurm.conf pid f what deadline left
    # Jobs first: their slurmstepd processes outlive slurmd.
    if _slurm_pid "$SLURM_DIR/slurmctld.pid" slurmctld >/dev/null; then
        SLURM_CONF=$conf scancel --partition=debug --full --signal=KILL --state=RUNNING --quiet 2>/dev/null
        SLURM_CONF=$conf scancel --partition=debug --quiet 2>/dev/null
        deadline=$((SECONDS + 60))
        while [ "$SECONDS" -lt "$deadline" ]; do
            left=$(SLURM_CONF=$conf squeue -h -o %i 2>/dev/null | wc -l)
            [ "$left" -eq 0 ] && break
            sleep 0.5
        done
        [ "${left:-0}" -eq 0 ] || _slurm_say "warning: $left jobs still listed when stopping"
    fi
    for f in slurmd.pid:slurmd slurmctld.pid:slurmctld munge/munged.pid:munged; do
        what=${f#*:}
        pid=$(_slurm_pid "$SLURM_DIR/${f%%:*}" "$what") || continue
        kill -TERM "$pid" 2>/dev/null
        deadline=$((SECONDS + 10))
        while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
            _slurm_say "$what ($pid) still running after SIGTERM: SIGKILL"
            kill -KILL "$pid" 2>/dev/null
        fi
    done
    _slurm_say "stopped the daemons of $SLURM_DIR"
    SLURM_DIR=""
}
