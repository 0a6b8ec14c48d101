#!/usr/bin/env bash
# Rebuild the shipped MEM surrogates and every MEM figure of the README, from nothing.
#
#   bash benchmarks/mem/rebuild.sh [WORKDIR]      (default WORKDIR=mem_work)
#
# Steps (each resumable: generate skips nothing, so delete WORKDIR/<sample> to regenerate;
# 'teach mem' skips finished chunks, so an interrupted run continues where it stopped):
#   1. samples: tt dilepton, DY + jets, H->ZA at 8 mass points, a 21-point (M_H, M_A) grid
#      around (261.40, 150.50) and an independent pseudo-dataset at that point;
#   2. teacher targets with 'hepsurrogates teach mem' (training: 5 % VEGAS accuracy);
#   3. 'hepsurrogates train mem' for DY, TT, HZA at the shipped sizes (models/shipped/*.train.json);
#   4. the size scan, the held-out validation (ROC of D, likelihood scan), the speed benchmark and
#      the tt̄ teacher's bias against precise reference weights.
# About 3 core-hours in all on this project's 2-core machines (the teacher dominates).
set -euo pipefail
W=${1:-mem_work}
J=${WORKERS:-2}
mkdir -p "$W"
gen() { [ -f "$W/$2/fileset.json" ] || hepsurrogates generate "$1" -q --out "$W/$2" "${@:3}"; }

# 1. samples
gen ttbar_dilepton tt_s11 -n 12000 --seed 11
gen ttbar_dilepton tt_s21 -n 8000 --seed 21 --workers 2
gen ttbar_dilepton tt_s22 -n 12000 --seed 22 --workers 1
gen dy_ll dyj_s14 -n 30000 --seed 14 --option jet_pt_min=30
for pt in "261.40 150.50" "442.63 193.26" "300 100" "350 200" "400 150" "500 300" "550 150" "230 120"; do
  set -- $pt; gen hza_llbb "hza_$1_$2" -n 3000 --seed 13 --option mH=$1 --option mA=$2
done
# the (M_H, M_A) scan grid: 20 points around (261.40, 150.50), the 21st (seed 13 above)
GRID=("281.40 150.50" "241.40 140.50" "261.40 140.50" "261.40 160.50" "281.40 140.50"
      "281.40 160.50" "241.40 130.50" "261.40 130.50" "281.40 130.50" "281.40 170.50"
      "301.40 130.50" "301.40 140.50" "301.40 150.50" "301.40 160.50" "301.40 170.50"
      "321.40 130.50" "321.40 140.50" "321.40 150.50" "321.40 160.50" "321.40 170.50")
for pt in "${GRID[@]}"; do
  set -- $pt; gen hza_llbb "scan/hza_$1_$2_s31" -n 400 --seed 31 --option mH=$1 --option mA=$2
done
for pt in "261.40 150.50" "${GRID[@]}"; do  # a second, independent grid with every point
  set -- $pt; gen hza_llbb "scan/hza_$1_$2_s32" -n 200 --seed 32 --option mH=$1 --option mA=$2 --workers 2
done
gen hza_llbb scan/hza_261.40_150.50_s41 -n 1500 --seed 41 --option mH=261.40 --option mA=150.50
python benchmarks/mem/filesets.py "$W"

# 2. teacher targets
T="--rel-accuracy 0.05 --workers $J -q"
hepsurrogates teach mem --fileset "$W/fileset_tt_train.json" --hypotheses memDY memTT --neval 1500 \
  --chunksize 500 --max-events 8000 --out "$W/teach_tt" $T
hepsurrogates teach mem --fileset "$W/tt_s21/fileset.json" --hypotheses memDY memTT --neval 1500 \
  --chunksize 500 --out "$W/teach_tt21" $T
hepsurrogates teach mem --fileset "$W/tt_s22/fileset.json" --hypotheses memDY memTT --neval 1500 \
  --chunksize 500 --out "$W/teach_tt22" $T
hepsurrogates teach mem --fileset "$W/fileset_dyj_train.json" --hypotheses memDY memTT --neval 1500 \
  --chunksize 500 --max-events 24000 --out "$W/teach_dyj" $T
hepsurrogates teach mem --fileset "$W/fileset_hza_main.json" --hypotheses memDY --chunksize 1500 \
  --out "$W/teach_dy_hza" $T
hepsurrogates teach mem --fileset "$W/fileset_hza_teach.json" --hypotheses memHZA $(cat "$W/hza_points.txt") \
  --neval 400 --bjet-response 0.871 --chunksize 150 --max-events 150 --out "$W/teach_hza" $T
hepsurrogates teach mem --fileset "$W/fileset_hza_train32.json" --hypotheses memHZA $(cat "$W/hza_points.txt") \
  --neval 400 --bjet-response 0.871 --chunksize 200 --out "$W/teach_hza32" $T
hepsurrogates teach mem --fileset "$W/fileset_hza_pseudo.json" --hypotheses memHZA $(cat "$W/hza_points.txt") \
  --neval 400 --bjet-response 0.871 --chunksize 250 --out "$W/teach_hza_pseudo" $T
hepsurrogates teach mem --fileset "$W/fileset_ttdy_val.json" --hypotheses memDY memTT --neval 1500 \
  --chunksize 500 --max-events 6000 --out "$W/teach_val" $T

# 3. the shipped bundles
hepsurrogates train mem --config models/shipped/mem_dy.train.json -q --out "$W/bundles" \
  --data "$W/fileset_tt_train.json" "$W/fileset_dyj_train.json" "$W/fileset_hza_main.json" \
  --teacher "$W/teach_tt" "$W/teach_dyj" "$W/teach_dy_hza"
hepsurrogates train mem --config models/shipped/mem_tt.train.json -q --out "$W/bundles" \
  --data "$W/fileset_tt_train.json" "$W/tt_s21/fileset.json" "$W/tt_s22/fileset.json" "$W/fileset_dyj_train.json" \
  --teacher "$W/teach_tt" "$W/teach_tt21" "$W/teach_tt22" "$W/teach_dyj"
hepsurrogates train mem --config models/shipped/mem_hza.train.json -q --out "$W/bundles" \
  --data "$W/fileset_hza_train.json" "$W/fileset_hza_train32.json" --teacher "$W/teach_hza" "$W/teach_hza32"

# 4. b-jet response (the --bjet-response above), size scan, validation, speed
python benchmarks/mem/bjet_response.py --files "$W/hza_261.40_150.50/hza_llbb_13_0000.root"
python benchmarks/mem/size_scan.py --work "$W" --out benchmarks/results/mem_size_scan.json
python benchmarks/mem/size_scan.py --work "$W" --hypotheses TT --seed-spread 2x32 3x64 3x128 \
  --out benchmarks/results/mem_size_scan.json
python -m hepsurrogates.training.mem.validation --bundle-dir "$W/bundles" \
  --roc-fileset "$W/fileset_ttdy_val.json" --roc-teacher "$W/teach_val" \
  --pseudo-fileset "$W/fileset_hza_pseudo.json" --pseudo-teacher "$W/teach_hza_pseudo" \
  --grid-filesets $(python -c "import json;print(' '.join(json.load(open('$W/hza_grid_filesets.json'))))") \
  --out "$W/bundles/reports/mem_validation"
python benchmarks/mem/bench_mem.py --tt "$W/fileset_ttdy_val.json" --hza "$W/fileset_hza_pseudo.json" \
  --bundle-dir "$W/bundles" --events 40 30 20 --out benchmarks/results/mem.json
python benchmarks/mem/bench_mem.py --tt "$W/fileset_ttdy_val.json" --hza "$W/fileset_hza_pseudo.json" \
  --bundle-dir "$W/bundles" --events 40 30 20 --max-neval 1600000 --out benchmarks/results/mem_budget_1600k.json
# bias of the tt̄ teacher against 0.2 % reference weights: both iteration combinations, and Block D alone
python benchmarks/mem/vegas_bias.py --fileset "$W/fileset_ttdy_val.json" --events 30 \
  --out benchmarks/results/mem_vegas_bias.json
