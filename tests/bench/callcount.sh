#!/bin/sh
# Instructions per call of the pinned Go->JS call path and of eval, counted
# by callgrind (repeatable where wall time is not): each program runs with
# 2,000 and 12,000 iterations; the difference over 10,000 is per call.
set -eu
bin=${1:-build/callcount}
count() {
    valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" "$1" "$2" 2>&1 |
        sed -n 's/.*Collected : \([0-9]*\).*/\1/p'
}
for what in call callu calla eval immediate callback; do
    a=$(count $what 2000)
    b=$(count $what 12000)
    echo "CALLCOUNT $what $(( (b - a) / 10000 )) instructions"
done
# System calls per call (a futex wake per call once cost ~0.5 us here).
if command -v strace >/dev/null; then
    for what in call eval; do
        n=$(strace -f -c -o /dev/stdout "$bin" $what 20000 | awk '$NF=="total"{print $4}')
        m=$(strace -f -c -o /dev/stdout "$bin" $what 40000 | awk '$NF=="total"{print $4}')
        echo "CALLCOUNT $what syscalls per call: $(awk "BEGIN{printf \"%.2f\", ($m - $n) / 20000}")"
    done
fi
