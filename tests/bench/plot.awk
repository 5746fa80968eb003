# plot.awk: the SVG of `make bench`'s ceiling comparison, from BENCH_OUT/ceiling.tsv.
#   awk -v note="2026-11-25, 2 cores" -f tests/bench/plot.awk build/bench/ceiling.tsv > docs/bench-ceiling.svg
# Two panels of horizontal bars on log10 scales (the targets differ by orders of
# magnitude): requests/s, and p50/p99 latency in ms. Plain SVG, no libraries.
BEGIN { FS = "\t"; W = 1120; LABEL = 330; PW = 300; GAP = 20; BH = 18; ROW = 26; TOP = 58 }
NR == 1 { next }
{ n++; name[n] = $1; rps[n] = $3; p50[n] = $4; p99[n] = $5 }
function lg(v) { return log(v > 0 ? v : 1e-9) / log(10) }
function esc(s) { gsub(/&/, "\\&amp;", s); gsub(/</, "\\&lt;", s); gsub(/>/, "\\&gt;", s); return s }
function x(v, lo, hi, x0) { v = lg(v); if (v < lo) v = lo; return x0 + (v - lo) / (hi - lo) * PW }
function axis(x0, lo, hi, unit, title,   e, xx) {
  printf "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", x0, TOP - 30, title
  for (e = lo; e <= hi; e++) {
    xx = x(10 ^ e, lo, hi, x0)
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>\n", xx, TOP - 8, xx, TOP + n * ROW
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">%s%s</text>\n", xx, TOP - 12, (e < 0 ? sprintf("%g", 10 ^ e) : sprintf("%d", 10 ^ e)), unit
  }
}
END {
  H = TOP + n * ROW + 40
  r_lo = 1; r_hi = 5; l_lo = -1; l_hi = 3
  for (i = 1; i <= n; i++) {
    while (lg(rps[i]) > r_hi) r_hi++
    while (lg(p99[i]) > l_hi) l_hi++
    while (p50[i] > 0 && lg(p50[i]) < l_lo) l_lo--
  }
  x1 = LABEL; x2 = LABEL + PW + GAP + 40
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  axis(x1, r_lo, r_hi, "", "requests/s (log scale)")
  axis(x2, l_lo, l_hi, "", "latency ms, p50 (dark) / p99 (light), log scale")
  for (i = 1; i <= n; i++) {
    y = TOP + (i - 1) * ROW
    color = name[i] ~ /^switchboard/ ? "#2a7ab0" : (name[i] ~ /PHP/ ? "#b05a2a" : "#888")
    printf "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>\n", LABEL - 8, y + 13, esc(name[i])
    printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", x1, y, x(rps[i], r_lo, r_hi, x1) - x1, BH, color
    printf "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%d</text>\n", x(rps[i], r_lo, r_hi, x1) + 4, y + 13, rps[i]
    printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\" opacity=\"0.35\"/>\n", x2, y, x(p99[i], l_lo, l_hi, x2) - x2, BH, color
    printf "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>\n", x2, y + 4, x(p50[i], l_lo, l_hi, x2) - x2, BH - 8, color
    printf "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%s / %s</text>\n", x(p99[i], l_lo, l_hi, x2) + 4, y + 13, p50[i], p99[i]
  }
  printf "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#666\">%ssame machine, same run, same concurrency; grey: ceilings, blue: switchboard, brown: PHP floor</text>\n", 10, H - 12, note == "" ? "" : esc(note) "; "
  print "</svg>"
}
