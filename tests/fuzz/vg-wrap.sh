#!/usr/bin/env bash
# vg-wrap.sh CMD...: run one FastCGI pool child under valgrind memcheck (the
# SB_POOL_WRAPPER of `make valgrind`, see conf/stack.sh and tests/fuzz/valgrind.sh).
#
# multiwatch stops its children with SIGUSR1, which `switchboard serve` does not
# handle (it would die, not exit); this wrapper stays between the two and turns
# USR1/TERM into the SIGTERM serve does handle (finish the request, exit 0), so
# valgrind sees a normal exit. The FastCGI socket (fd 0) is passed on explicitly.
# Report: $VG_LOG_DIR/valgrind.<pid>.log (default: the current directory).
set -u
valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,possible --errors-for-leak-kinds=definite \
  --num-callers=30 --log-file="${VG_LOG_DIR:-.}/valgrind.%p.log" "$@" 0<&0 &
child=$!
trap 'kill -TERM $child 2>/dev/null' USR1 TERM INT HUP
# wait returns early when a trapped signal arrives: wait again until the child is gone
while kill -0 $child 2>/dev/null; do wait $child; done
wait $child
