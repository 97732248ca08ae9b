# The soak's picture: six small plots over time from the CSV that bench/soak_report.mjs writes.
#   gnuplot -e "csv='soak.csv'; png='soak.png'; heading='...'" bench/soak_plot.gp
# Columns: 1 t_s, 2 utc, 3 produced_per_s, 4 inserted_per_s, 5 lag_p50_s, 6 lag_p99_s,
# 7 commit_p50_s, 8 commit_p99_s, 9 rss_mib, 10 cpu_percent, 11 ledger_partitions, 12 ledger_mib,
# 13 table_mib, 14 queue_visible, 15 emulator_rss_mib. An empty cell is a gap.
if (!exists("heading")) heading = "sqs2pg soak"
set terminal pngcairo size 1400,1050 font "sans,10"
set output png
set datafile separator comma
set datafile missing ""
set key top left opaque box
set grid
set xlabel "minutes"
set lmargin 10
min(t) = t / 60.0
stats csv using 1 skip 1 nooutput name "T"
stats csv using 11 skip 1 nooutput name "P"
set xrange [0:T_max / 60.0]
set multiplot layout 3,2 title heading font "sans,13"

set title "throughput (per 10 s window)"
set ylabel "messages/s"
set yrange [0:*]
plot csv using (min($1)):3 skip 1 with lines lw 2 title "produced", \
     ""  using (min($1)):4 skip 1 with lines lw 2 title "committed rows"

set title "end-to-end lag, send to commit (sqs2pg\\_message\\_lag\\_seconds)"
set ylabel "ms"
plot csv using (min($1)):($5 * 1000) skip 1 with lines lw 2 title "p50", \
     ""  using (min($1)):($6 * 1000) skip 1 with lines lw 2 title "p99"

set title "commit latency per batch (sqs2pg\\_commit\\_seconds)"
set ylabel "ms"
plot csv using (min($1)):($7 * 1000) skip 1 with lines lw 2 title "p50", \
     ""  using (min($1)):($8 * 1000) skip 1 with lines lw 2 title "p99"

set title "sqs2pg memory and CPU"
set ylabel "RSS, MiB"
set y2label "CPU, % of one core"
set y2tics
set y2range [0:*]
plot csv using (min($1)):9 skip 1 with lines lw 2 title "RSS", \
     ""  using (min($1)):10 skip 1 axes x1y2 with lines lw 1 title "CPU"
unset y2tics
unset y2label

set key top right
set title "ledger (pruned on the keep window)"
set ylabel "MiB"
set y2label "day partitions"
set y2tics 1
set y2range [0:P_max + 1]
plot csv using (min($1)):12 skip 1 with lines lw 2 title "size", \
     ""  using (min($1)):11 skip 1 axes x1y2 with steps lw 1 title "day partitions"
unset y2tics
unset y2label

set title "target table"
set ylabel "MiB"
plot csv using (min($1)):13 skip 1 with lines lw 2 title "user\\_logins size"

unset multiplot
