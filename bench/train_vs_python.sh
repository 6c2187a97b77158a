#!/usr/bin/env bash
# Trainer against the same models in Python on the same data, in one run: the tutorial's
# wide-and-deep network against PyTorch, gbdt against the xgboost Python package, linear against
# PyTorch (the same model) and scikit-learn's LogisticRegression. Prints training seconds,
# examples/s, eval AUC, wall and CPU seconds, peak RSS and load average, then the ratios.
#   bench/train_vs_python.sh
# The data is the tutorial's taxi CSV (data/taxi/data.csv of ../shared beside the checkout, or of
# $WEIR_SHARED_DIR: 15,000 rows) through weir's ExampleGen, StatisticsGen, SchemaGen and Transform
# (the spec of examples/taxi/pipeline_solution.yaml). Python reads weir's transformed examples
# (gzip TFRecords of tf.Example, decoded in pure Python), so both sides train on the same numbers.
# WEIR_BIN names the binary (default build/release/bin/weir; libweir_torch_models.so must sit beside
# it), BENCH_DIR the work folder (default /tmp/weir-bench-train). Needs Debian's python3-torch,
# python3-xgboost and python3-sklearn. RUNS=N (default 1) runs each row N times and keeps the
# fastest (least "train s"), the usual defence against a shared machine's noise.
# Both sides' LibTorch does its matrix products in Debian's OpenBLAS, whose worker thread spins on
# a second core even with one torch thread; OPENBLAS_NUM_THREADS=1 in the environment stops that for
# both. The machine's load shows in the table: on a busy machine, spinning threads make every
# figure noisy.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
weir="${WEIR_BIN:-$root/build/release/bin/weir}"
work="${BENCH_DIR:-/tmp/weir-bench-train}"
runs="${RUNS:-1}"
python=/usr/bin/python3  # Debian's interpreter, which has torch, xgboost and sklearn.
shared="${WEIR_SHARED_DIR:-$(cd "$root/.." && pwd)/shared}"
data="$shared/data/taxi/data.csv"
[[ -f "$data" ]] || { echo "no taxi data at $data (set WEIR_SHARED_DIR)" >&2; exit 1; }
steps=10000 batch=40  # weir's wide_deep defaults (weir gets the steps as --train_steps).
linear_steps=2000 linear_batch=256  # weir's linear defaults.

# Upstream artifacts, made once per work folder.
if [[ ! -d "$work/tx" ]]; then
  rm -rf "$work/csv" "$work/examples" "$work/statistics" "$work/schema" "$work/tg" \
      "$work/tg.tmp" "$work/tx.tmp"
  mkdir -p "$work/csv"
  cp "$data" "$work/csv/data.csv"
  # The `spec:` block of the tutorial's Transform node, de-indented to a top-level `features:`.
  awk '/^ *spec:[ ]*$/ { match($0, /^ */); indent = RLENGTH; inside = 1; next }
       inside { if ($0 ~ /^[ ]*$/) exit; match($0, /^ */); if (RLENGTH <= indent) exit
                print substr($0, indent + 3) }' \
      "$root/examples/taxi/pipeline_solution.yaml" > "$work/transform.yaml"
  grep -q 'name: tips_xf' "$work/transform.yaml" ||
    { echo "could not extract the Transform spec from pipeline_solution.yaml" >&2; exit 1; }
  "$weir" examplegen --input_base "$work/csv" --output "$work/examples" >/dev/null
  "$weir" statisticsgen --examples "$work/examples" --output "$work/statistics" >/dev/null
  "$weir" schemagen --statistics "$work/statistics" --output "$work/schema" >/dev/null
  "$weir" transform --examples "$work/examples" --schema "$work/schema" \
      --spec "$work/transform.yaml" --transform_graph "$work/tg.tmp" \
      --transformed_examples "$work/tx.tmp" >/dev/null
  mv "$work/tg.tmp" "$work/tg"
  mv "$work/tx.tmp" "$work/tx"
fi
train_rows=$(awk '/^analyzed_examples:/ { print $2 }' "$work/tg/transform_graph.pbtxt")
echo "Data: $data through weir's Transform: $train_rows train examples; $(nproc) cores," \
    "load average $(cut -d' ' -f1-3 /proc/loadavg); fastest of $runs run(s) per row"

# Runs a command under /usr/bin/time; sets $seconds (wall), $cpu (user + system seconds), $peak_mb
# (max RSS) and $load (the 1-minute load average just before: this machine is shared).
measure() {
  load=$(cut -d' ' -f1 /proc/loadavg)
  /usr/bin/time -f "%e %M %U %S" -o "$work/time.txt" "$@" > "$work/stdout.txt"
  local user system
  read -r seconds peak_kb user system < "$work/time.txt"
  cpu=$(awk -v u="$user" -v s="$system" 'BEGIN { printf "%.2f", u + s }')
  peak_mb=$((peak_kb / 1024))
}

# Appends a row to the table: label, seconds trained, examples trained (0: not a step count),
# eval AUC, then the last measure's wall, CPU, peak RSS and load.
results="$work/results.txt"
: > "$results"
row() {
  printf '%s|%s|%s|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "$seconds" "$cpu" "$peak_mb" "$load" \
      >> "$results"
}

# Runs weir trainer for family $1 (more flags after it); sets $train_s (the trainer's own "trained
# in" figure), $auc and what measure sets.
weir_train() {
  local family=$1
  shift
  rm -rf "$work/model_$family" "$work/run_$family"
  measure "$weir" trainer --examples "$work/tx" --transform_graph "$work/tg" --family "$family" \
      --label tips_xf --model "$work/model_$family" --model_run "$work/run_$family" "$@"
  train_s=$(awk '/model trained in/ { print $5 }' "$work/stdout.txt")
  auc=$(awk '/^ *eval:/ { for (i = 1; i < NF; ++i) if ($i == "auc") print $(i + 1) }' \
      "$work/stdout.txt")
  [[ -n "$train_s" && -n "$auc" ]] ||
    { echo "weir trainer --family $family printed:" >&2; cat "$work/stdout.txt" >&2; exit 1; }
}

# Runs a Python peer (peers.py MODE ARGS...); sets $train_s, $auc, $extra (the rest of its line)
# and what measure sets.
python_train() {
  measure "$python" "$work/peers.py" "$1" "$work" "${@:2}"
  read -r train_s auc extra < "$work/stdout.txt"
}

# Runs a command (weir_train or python_train and its arguments) $runs times and leaves the
# variables of the fastest run set.
fastest() {
  local best=() r
  extra=
  for ((r = 0; r < runs; ++r)); do
    "$@"
    if ((r == 0)) || awk -v a="$train_s" -v b="${best[0]}" 'BEGIN { exit !(a < b) }'; then
      best=("$train_s" "$auc" "$extra" "$seconds" "$cpu" "$peak_mb" "$load")
    fi
  done
  train_s=${best[0]} auc=${best[1]} extra=${best[2]} seconds=${best[3]} cpu=${best[4]}
  peak_mb=${best[5]} load=${best[6]}
}

# The Python peers. Each run prints one line: seconds of the timed part, eval AUC, then notes.
cat > "$work/peers.py" <<'EOF'
import gzip, re, struct, sys, time
import numpy

def varint(buf, pos):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if b < 0x80:
            return result, pos
        shift += 7

def fields(buf):
    """(field number, wire type, value) of a protobuf message: ints for varints and fixed32,
    memoryviews for length-delimited fields."""
    pos, end = 0, len(buf)
    while pos < end:
        key, pos = varint(buf, pos)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, pos = varint(buf, pos)
        elif wire == 2:
            size, pos = varint(buf, pos)
            value, pos = buf[pos:pos + size], pos + size
        elif wire == 5:
            value, pos = buf[pos:pos + 4], pos + 4
        elif wire == 1:
            value, pos = buf[pos:pos + 8], pos + 8
        else:
            raise ValueError('unsupported wire type %d' % wire)
        yield number, wire, value

def feature_values(buf):
    """The values of a tf.train.Feature: bytes_list=1, float_list=2, int64_list=3."""
    for kind, _, inner in fields(buf):
        values = []
        for number, wire, v in fields(inner):
            if number != 1:
                continue
            if kind == 1:
                values.append(bytes(v))
            elif kind == 2:
                values.extend(struct.unpack('<%df' % (len(v) // 4), v))  # packed or one fixed32
            elif wire == 0:
                values.append(v - (1 << 64) if v >= 1 << 63 else v)
            else:  # packed varints
                pos = 0
                while pos < len(v):
                    x, pos = varint(v, pos)
                    values.append(x - (1 << 64) if x >= 1 << 63 else x)
        return values
    return []

def examples(path):
    """tf.Example dicts {name: [values]} from a gzip TFRecord file (record CRCs not checked; gzip
    checks its own)."""
    with gzip.open(path, 'rb') as f:
        data = memoryview(f.read())
    pos = 0
    while pos < len(data):
        (length,) = struct.unpack_from('<Q', data, pos)
        record = data[pos + 12:pos + 12 + length]
        pos += 12 + length + 4
        out = {}
        for number, _, features in fields(record):  # Example.features = 1
            if number != 1:
                continue
            for n, _, entry in fields(features):  # Features.feature = 1, map entries
                if n != 1:
                    continue
                name, value = None, b''
                for k, _, v in fields(entry):
                    if k == 1:
                        name = bytes(v).decode()
                    elif k == 2:
                        value = v
                out[name] = feature_values(value)
        yield out

def schema_features(path):
    """(name, type, cardinality or 0) per feature of a schema.pbtxt, in order."""
    text = open(path).read()
    out = []
    for block in re.split(r'^feature \{', text, flags=re.M)[1:]:
        name = re.search(r'name: "([^"]+)"', block).group(1)
        kind = re.search(r'type: (\w+)', block).group(1)
        top = re.search(r'max: (-?\d+)', block)
        categorical = 'is_categorical: true' in block and top is not None
        out.append((name, kind, int(top.group(1)) + 1 if categorical else 0))
    return out

def load(work, split, dense_names, categorical):
    """Dense floats [n, d] (missing: 0), categorical ids [n, c] (missing or out of range: -1) and
    labels, laid out as weir's trainer lays them out."""
    path = '%s/tx/Split-%s/transformed_examples-00000-of-00001.gz' % (work, split)
    dense, ids, labels = [], [], []
    for ex in examples(path):
        dense.append([(ex.get(n) or [0.0])[0] for n in dense_names])
        row = []
        for n, card in categorical:
            v = ex.get(n) or [-1]
            row.append(v[0] if 0 <= v[0] < card else -1)
        ids.append(row)
        labels.append(float(ex['tips_xf'][0]))
    return (numpy.array(dense, dtype=numpy.float32), numpy.array(ids, dtype=numpy.int64),
            numpy.array(labels, dtype=numpy.float32))

def main():
    mode, work = sys.argv[1], sys.argv[2]
    features = [f for f in schema_features(work + '/tg/transformed_metadata/schema.pbtxt')
                if f[0] != 'tips_xf']
    dense_names = [n for n, kind, card in features if kind == 'FLOAT']
    categorical = [(n, card) for n, kind, card in features if card > 0]
    start = time.perf_counter()
    train = load(work, 'train', dense_names, categorical)
    eval_ = load(work, 'eval', dense_names, categorical)
    load_s = time.perf_counter() - start
    from sklearn.metrics import roc_auc_score

    if mode in ('wide_deep', 'linear_torch'):
        import torch
        from torch import nn
        default_threads = torch.get_num_threads()
        threads = int(sys.argv[3])
        if threads > 0:
            torch.set_num_threads(threads)
        torch.manual_seed(1)
        deep = mode == 'wide_deep'
        steps, batch, lr = (int(sys.argv[4]), int(sys.argv[5]), 1e-3 if deep else 1e-2)
        cards = [card for _, card in categorical]
        offsets = numpy.cumsum([0] + [c + 1 for c in cards[:-1]])

        def tensors(split):
            dense, ids, labels = split
            # One table of every categorical's rows (card + 1 each, the last for "missing"): the
            # same parameters and sum as one Embedding(card + 1, 1) per feature, in one lookup.
            rows = numpy.where(ids < 0, numpy.array(cards), ids) + offsets
            return torch.from_numpy(dense), torch.from_numpy(rows), torch.from_numpy(labels)

        class WideDeep(nn.Module):
            def __init__(self):
                super().__init__()
                self.wide_dense = nn.Linear(len(dense_names), 1)
                self.wide_categorical = nn.Embedding(sum(cards) + len(cards), 1)
                nn.init.zeros_(self.wide_categorical.weight)
                layers, width = [], len(dense_names)
                for units in (100, 70, 50, 25):
                    layers += [nn.Linear(width, units), nn.ReLU()]
                    width = units
                self.tower = nn.Sequential(*layers, nn.Linear(width, 1)) if deep else None

            def forward(self, dense, rows):
                logits = self.wide_dense(dense) + self.wide_categorical(rows).sum(1)
                if self.tower is not None:
                    logits = logits + self.tower(dense)
                return logits.reshape(-1)

        dense, rows, labels = tensors(train)
        model = WideDeep()
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        loss_fn = nn.BCEWithLogitsLoss()
        n = len(labels)
        order, pos = torch.randperm(n), 0
        start = time.perf_counter()
        for _ in range(steps):
            if pos + batch > n:  # a new epoch, reshuffled
                order, pos = torch.randperm(n), 0
            idx = order[pos:pos + batch]
            pos += batch
            loss = loss_fn(model(dense[idx], rows[idx]), labels[idx])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        train_s = time.perf_counter() - start
        model.eval()
        edense, erows, elabels = tensors(eval_)
        with torch.no_grad():
            scores = torch.sigmoid(model(edense, erows)).numpy()
        print(train_s, roc_auc_score(elabels.numpy(), scores), load_s, torch.get_num_threads(),
              default_threads)

    elif mode == 'xgboost':
        import xgboost
        def matrix(split):  # dense, then each categorical id as a float (missing: NaN), as weir
            dense, ids, _ = split
            return numpy.hstack([dense, numpy.where(ids < 0, numpy.nan, ids).astype(numpy.float32)])
        xtrain, xeval = matrix(train), matrix(eval_)
        threads = int(sys.argv[3])  # weir's gbdt uses every core by default
        start = time.perf_counter()
        dtrain = xgboost.DMatrix(xtrain, label=train[2], missing=numpy.nan, nthread=threads)
        deval = xgboost.DMatrix(xeval, label=eval_[2], missing=numpy.nan, nthread=threads)
        params = {'objective': 'binary:logistic', 'eval_metric': 'logloss', 'tree_method': 'hist',
                  'max_depth': 6, 'eta': 0.1, 'nthread': threads, 'seed': 1, 'verbosity': 0}
        booster = xgboost.train(params, dtrain, num_boost_round=300, evals=[(deval, 'eval')],
                                early_stopping_rounds=30, verbose_eval=False)
        train_s = time.perf_counter() - start
        scores = booster.predict(deval, iteration_range=(0, booster.best_iteration + 1))
        print(train_s, roc_auc_score(eval_[2], scores), load_s, booster.num_boosted_rounds(),
              booster.best_iteration + 1)

    elif mode == 'sklearn':
        import scipy.sparse
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import OneHotEncoder
        start = time.perf_counter()
        encoder = OneHotEncoder(handle_unknown='ignore')
        xtrain = encoder.fit_transform(train[1])
        xtrain = scipy.sparse.hstack([train[0], xtrain]).tocsr()
        model = LogisticRegression(max_iter=1000).fit(xtrain, train[2])
        train_s = time.perf_counter() - start
        xeval = scipy.sparse.hstack([eval_[0], encoder.transform(eval_[1])]).tocsr()
        print(train_s, roc_auc_score(eval_[2], model.predict_proba(xeval)[:, 1]), load_s,
              model.n_iter_[0])

main()
EOF

# One at a time, each weir run next to its peers: the machine has few cores, they are shared, and
# its load changes from minute to minute.
cores=$(nproc)
printf 'log_every_steps: %d\n' "$steps" > "$work/one_curve_point.yaml"
fastest weir_train wide_deep --train_steps "$steps"
row "weir wide_deep (curves every 100 steps)" "$train_s" $((steps * batch)) "$auc"
wd_s=$train_s wd_auc=$auc
fastest python_train wide_deep 1 "$steps" "$batch"
row "PyTorch wide_deep, 1 thread" "$train_s" $((steps * batch)) "$auc"
pt1_s=$train_s pt1_auc=$auc
read -r load_s _ default_threads <<< "$extra"
# torch's default thread count may be 1 (Debian's build says 1 on 2 cores): ask for every core.
fastest python_train wide_deep "$cores" "$steps" "$batch"
row "PyTorch wide_deep, $cores threads" "$train_s" $((steps * batch)) "$auc"
ptn_s=$train_s ptn_auc=$auc
# What the curves cost: the same run with one curve point, at the end.
fastest weir_train wide_deep --train_steps "$steps" --config "$work/one_curve_point.yaml"
row "weir wide_deep (one curve point)" "$train_s" $((steps * batch)) "$auc"
wd1_s=$train_s

fastest weir_train gbdt
row "weir gbdt" "$train_s" 0 "$auc"
gb_s=$train_s gb_wall=$seconds gb_auc=$auc
fastest python_train xgboost "$cores"
row "xgboost (Python): DMatrix + train" "$train_s" 0 "$auc"
xgb_s=$train_s xgb_wall=$seconds xgb_auc=$auc
read -r _ xgb_rounds xgb_best <<< "$extra"
# weir logs gbdt curves every 10 rounds, through the last round it ran.
gb_rounds=$(awk -F'"step":' '/"curve":"eval"/ { split($2, a, ","); n = a[1] } END { print n + 0 }' \
    "$work/run_gbdt/curves.jsonl")

fastest weir_train linear --train_steps "$linear_steps"
row "weir linear" "$train_s" $((linear_steps * linear_batch)) "$auc"
li_s=$train_s li_auc=$auc
fastest python_train linear_torch 1 "$linear_steps" "$linear_batch"
row "PyTorch linear (the same model), 1 thread" "$train_s" $((linear_steps * linear_batch)) "$auc"
ptl_s=$train_s ptl_auc=$auc
fastest python_train sklearn
row "sklearn LogisticRegression (one-hot)" "$train_s" 0 "$auc"
read -r _ sk_iters <<< "$extra"

echo
awk -F'|' 'BEGIN {
  printf "%-42s %8s %11s %8s %7s %7s %8s %5s\n", "", "train s", "examples/s", "eval AUC", "wall s",
      "CPU s", "peak MB", "load"
} {
  printf "%-42s %8.2f %11s %8.4f %7.2f %7.2f %8d %5.2f\n", $1, $2,
      ($3 > 0 ? sprintf("%.0f", $3 / $2) : ""), $4, $5, $6, $7, $8
}' "$results"

cat <<NOTES

wide_deep: $steps steps of $batch examples; linear: $linear_steps steps of $linear_batch. weir's
"train s" is its own "trained in": reading and decoding the train TFRecords again every epoch, the
shuffle buffer, and the curves (every 100 steps an eval pass over the whole eval split and a
curves.jsonl line; for gbdt every 10 rounds, on train and eval). Python's "train s" is the training
loop alone over tensors already in memory (xgboost: DMatrix construction and boosting). "wall s"
and "CPU s" are the whole process; Python's include decoding the TFRecords in pure Python
($(printf %.1f "$load_s") s) and the imports. "load": the 1-minute load average as the run
started ($cores cores). gbdt: weir's last curve point (one every 10 rounds) is round $gb_rounds;
xgboost ran $xgb_rounds rounds (best $xgb_best); both stop after 30 rounds without improvement.
sklearn: lbfgs, $sk_iters iterations. torch's default thread count here: $default_threads.

NOTES
awk -v wd_s="$wd_s" -v wd1_s="$wd1_s" -v pt1_s="$pt1_s" -v ptn_s="$ptn_s" -v cores="$cores" \
    -v gb_s="$gb_s" -v gb_wall="$gb_wall" -v xgb_s="$xgb_s" -v xgb_wall="$xgb_wall" \
    -v li_s="$li_s" -v ptl_s="$ptl_s" -v wd_auc="$wd_auc" -v pt1_auc="$pt1_auc" \
    -v ptn_auc="$ptn_auc" -v gb_auc="$gb_auc" -v xgb_auc="$xgb_auc" -v li_auc="$li_auc" \
    -v ptl_auc="$ptl_auc" 'BEGIN {
  one = pt1_s <= ptn_s
  peer = one ? pt1_s : ptn_s
  printf "wide_deep examples/s vs PyTorch: %.1fx (goal >= 1.5x; against PyTorch'\''s faster " \
      "run: %d thread(s))\n", peer / wd_s, one ? 1 : cores
  printf "  with one curve point:          %.1fx\n", peer / wd1_s
  printf "gbdt wall time vs Python xgboost: %.1fx (goal: weir <= Python, i.e. <= 1.0x; weir " \
      "trained-in %.2f s vs DMatrix + train %.2f s)\n", gb_s / xgb_s, gb_s, xgb_s
  printf "  whole processes:               %.2fx (%.2f s vs %.2f s; Python decodes TFRecords " \
      "in pure Python)\n", gb_wall / xgb_wall, gb_wall, xgb_wall
  printf "linear examples/s vs PyTorch:     %.1fx\n", ptl_s / li_s
  printf "eval AUC, weir minus peer: wide_deep %+.4f, gbdt %+.4f, linear %+.4f\n",
      wd_auc - (one ? pt1_auc : ptn_auc), gb_auc - xgb_auc, li_auc - ptl_auc
}'
