#!/bin/sh
# lint.sh: the layer rule of DESIGN D187 over every #include "..." in lib/ and app/.
#
#   lib/base (1) < lib/platform (2) < lib/domain (3) < lib/queue (4) < app/ (5)
#
# A file may include headers of its own layer or a lower one. Fails, naming file:line, when
#  - a lower layer includes a higher one (lib/domain/x.c including "pipeline.h" of lib/queue);
#  - an app/ entry folder (api, events, dashboard, cli) includes another one's header
#    (they meet through app/app.h only);
#  - two modules include each other (foo.c/foo.h are one module), in lib/ or app/;
#  - a .c or .h lies flat in lib/ (place it in its layer folder) or a quoted include names no
#    header of the tree, or two headers share a name (includes are by bare name, -iquote per folder).
# Usage: tests/lint.sh [ROOT]   (make lint; make test runs it before the tests)
cd "${1:-.}" || exit 2
find lib app -name '*.[ch]' | LC_ALL=C sort | awk '
function layer(path) {
    if (path ~ /^lib\/base\//) return 1
    if (path ~ /^lib\/platform\//) return 2
    if (path ~ /^lib\/domain\//) return 3
    if (path ~ /^lib\/queue\//) return 4
    if (path ~ /^app\//) return 5
    return 0
}
function lname(n) { return n == 1 ? "lib/base" : n == 2 ? "lib/platform" : n == 3 ? "lib/domain" : n == 4 ? "lib/queue" : "app" }
# app/api/x.c -> "api"; app/main.c -> "" (the root: wiring, reachable from every folder)
function appdir(path,   p) { if (path !~ /^app\/[^\/]+\//) return ""; p = path; sub(/^app\//, "", p); sub(/\/.*/, "", p); return p }
function module(path) { sub(/\.[ch]$/, "", path); return path }
{ files[++nf] = $0 }
/\.h$/ {
    base = $0; sub(/.*\//, "", base)
    if (base in hdr) { printf "%s: header name also used by %s (headers are included by bare name)\n", $0, hdr[base]; bad = 1 }
    hdr[base] = $0
}
END {
    for (i = 1; i <= nf; i++) {
        f = files[i]
        if (layer(f) == 0) { printf "%s:1: not in a layer folder (lib/base, lib/platform, lib/domain, lib/queue; DESIGN D187)\n", f; bad = 1; continue }
        ln = 0
        while ((getline line < f) > 0) {
            ln++
            if (line !~ /^[ \t]*#[ \t]*include[ \t]*"/) continue
            inc = line; sub(/^[^"]*"/, "", inc); sub(/".*$/, "", inc)
            name = inc; sub(/.*\//, "", name)
            if (!(name in hdr)) { printf "%s:%d: #include \"%s\" is no header of lib/ or app/\n", f, ln, inc; bad = 1; continue }
            to = hdr[name]
            if (module(to) == module(f)) continue
            if (layer(to) > layer(f)) {
                printf "%s:%d: %s includes %s (%s): a lower layer includes a higher one (DESIGN D187)\n", f, ln, lname(layer(f)), to, lname(layer(to)); bad = 1
            }
            if (layer(f) == 5 && appdir(f) != "" && appdir(to) != "" && appdir(f) != appdir(to)) {
                printf "%s:%d: app/%s includes %s: entry folders meet through app/app.h only (DESIGN D188)\n", f, ln, appdir(f), to; bad = 1
            }
            e = module(f) SUBSEP module(to)
            if (!(e in edge)) { edge[e] = f ":" ln; from[++ne] = module(f); dest[ne] = module(to) }
        }
        close(f)
    }
    for (k = 1; k <= ne; k++) {
        back = dest[k] SUBSEP from[k]
        if ((back in edge) && from[k] < dest[k]) {
            printf "%s: and %s: include each other (%s <-> %s)\n", edge[from[k] SUBSEP dest[k]], edge[back], from[k], dest[k]; bad = 1
        }
    }
    if (bad) { print "lint: layer rule broken (DESIGN D187, D188)"; exit 1 }
    printf "lint: %d files, include graph within the layers, no pair including each other\n", nf
}'
