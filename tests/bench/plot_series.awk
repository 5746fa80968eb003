# plot_series.awk: the SVG of `make bench-sustained`, from BENCH_OUT/sustained.csv (tests/bench/run.sh).
#   awk -F, -v note="2026-12-06, 2 cores" -v kills="200,400" -f tests/bench/plot_series.awk build/bench/sustained.csv > docs/bench-sustained.svg
# Two panels over the run's seconds on linear scales: the lag (max lag of the events finished in each
# sample's window, and the age of the oldest waiting event) and the RSS of the switchboard processes and
# mysqld; dashed verticals where the worker was killed (kills: seconds, comma-separated). Plain SVG.
BEGIN { FS = ","; W = 900; L = 70; PW = 640; PH = 180; TOP = 40; GAP = 70 }
NR == 1 || $1 == "end" { next }
{ n++; t[n] = $1; lag[n] = $5; old[n] = $3; s[n] = $6 / 1024; wk[n] = $8 / 1024; pp[n] = $9 / 1024; db[n] = $10 / 1024
  if ($1 > tmax) tmax = $1 }
function esc(v) { gsub(/&/, "\\&amp;", v); gsub(/</, "\\&lt;", v); gsub(/>/, "\\&gt;", v); return v }
function nice(v,   e, m) { if (v <= 0) return 1; e = 10 ^ int(log(v) / log(10)); m = v / e
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * e }
function px(v) { return L + (tmax > 0 ? v / tmax : 0) * PW }
function py(v, top, hi) { return top + PH - (hi > 0 ? v / hi : 0) * PH }
function frame(top, hi, unit, title,   i, y, k) {
  printf "<text x=\"%d\" y=\"%d\" font-weight=\"bold\">%s</text>\n", L, top - 10, esc(title)
  for (i = 0; i <= 4; i++) {
    y = py(hi * i / 4, top, hi)
    printf "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", L, y, L + PW, y
    printf "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\" font-size=\"10\" fill=\"#666\">%g%s</text>\n", L - 4, y + 3, hi * i / 4, unit
  }
  for (i = 0; i <= 5; i++)
    printf "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\" font-size=\"10\" fill=\"#666\">%.0f s</text>\n", px(tmax * i / 5), top + PH + 14, tmax * i / 5
  for (k = 1; k <= nk; k++)
    printf "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#c00\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" y=\"%d\" font-size=\"10\" fill=\"#c00\">worker kill -9</text>\n", px(kt[k]), top, px(kt[k]), top + PH, px(kt[k]) + 3, top + 10
}
function line(v, top, hi, color, label, row,   i, d) {
  d = ""
  for (i = 1; i <= n; i++) d = d sprintf("%s%.1f,%.1f", i > 1 ? " " : "", px(t[i]), py(v[i], top, hi))
  printf "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" points=\"%s\"/>\n", color, d
  printf "<rect x=\"%d\" y=\"%d\" width=\"12\" height=\"3\" fill=\"%s\"/><text x=\"%d\" y=\"%d\" font-size=\"11\">%s</text>\n", L + PW + 10, top + 10 + row * 16, color, L + PW + 26, top + 14 + row * 16, esc(label)
}
END {
  nk = split(kills, kt, ",")
  for (i = 1; i <= n; i++) {
    if (lag[i] > lhi) lhi = lag[i]; if (old[i] > lhi) lhi = old[i]
    if (s[i] > rhi) rhi = s[i]; if (wk[i] > rhi) rhi = wk[i]; if (pp[i] > rhi) rhi = pp[i]; if (db[i] > rhi) rhi = db[i]
  }
  lhi = nice(lhi); rhi = nice(rhi)
  top2 = TOP + PH + GAP; H = top2 + PH + 50
  printf "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" font-family=\"sans-serif\" font-size=\"12\">\n", W, H
  printf "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
  frame(TOP, lhi, "", "lag ms: max of the events finished in each sample window, and the oldest waiting event")
  line(lag, TOP, lhi, "#2a7ab0", "lag max", 0)
  line(old, TOP, lhi, "#b05a2a", "oldest waiting", 1)
  frame(top2, rhi, "", "RSS MB")
  line(s, top2, rhi, "#2a7ab0", "serve child (max)", 0)
  line(wk, top2, rhi, "#b05a2a", "worker", 1)
  line(pp, top2, rhi, "#6a2ab0", "pipeline process (max)", 2)
  line(db, top2, rhi, "#888", "mysqld", 3)
  printf "<text x=\"10\" y=\"%d\" font-size=\"11\" fill=\"#666\">%s</text>\n", H - 12, esc(note == "" ? "make bench-sustained" : note "; make bench-sustained")
  print "</svg>"
}
