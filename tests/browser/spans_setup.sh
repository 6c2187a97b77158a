#!/usr/bin/env bash
# For the browser test, run before the UI starts: a pipeline over two spans of taxi trips (span 2
# with half of its Credit Card payments turned to Cash) and a request log whose trips have all of
# theirs turned to Cash, so that the UI has a span to compare with the previous one, drift
# between them and training/serving skew. Prints "STATISTICS_ID ANOMALIES_ID": span 2's statistics and the
# validator's anomalies of the second run.
#   tests/browser/spans_setup.sh WEIR_BINARY DATA_CSV FOLDER   (WEIR_HOME set)
set -euo pipefail
weir="$1"
data="$2"
w="$3"
mkdir -p "$w/incoming/span-1" "$w/span-2" "$w/serving-logs/spans"
cp "$data" "$w/incoming/span-1/data.csv"
/usr/bin/python3 - "$data" "$w/span-2/data.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as out:
    reader = csv.DictReader(f)
    writer = csv.DictWriter(out, reader.fieldnames, lineterminator="\n")
    writer.writeheader()
    credit = 0
    for row in reader:
        if row["payment_type"] == "Credit Card":
            credit += 1
            if credit % 2 == 0:
                row["payment_type"] = "Cash"
        writer.writerow(row)
PY
# The schema of span 1 with tight drift and skew comparators on payment_type, and TFX's
# environments (the label is not sent to a server).
"$weir" statisticsgen --csv "$w/incoming/span-1/data.csv" --output "$w/seed_stats" >/dev/null
"$weir" schemagen --statistics "$w/seed_stats" --output "$w/seed_schema" >/dev/null
/usr/bin/python3 - "$w/seed_schema/schema.pbtxt" "$w/schema.pbtxt" <<'PY'
import sys
text = open(sys.argv[1]).read()
comparators = ''.join(f'  {kind} {{\n    infinity_norm {{\n      threshold: 0.05\n    }}\n  }}\n'
                      for kind in ('drift_comparator', 'skew_comparator'))
text = text.replace('name: "payment_type"\n', 'name: "payment_type"\n' + comparators, 1)
text = text.replace('name: "tips"\n', 'name: "tips"\n  not_in_environment: "SERVING"\n', 1)
open(sys.argv[2], 'w').write(text + 'default_environment: "TRAINING"\ndefault_environment: "SERVING"\n')
PY
# The request log: span 1's trips as tf.Examples (CsvExampleGen writes them; a log file may be
# gzip-compressed as well) as a client with a bug sends them: every Credit Card payment as Cash,
# and without the label.
mkdir -p "$w/requests"
/usr/bin/python3 - "$data" "$w/requests/requests.csv" <<'PY'
import csv, sys
with open(sys.argv[1], newline="") as f, open(sys.argv[2], "w", newline="") as out:
    reader = csv.DictReader(f)
    writer = csv.DictWriter(out, [n for n in reader.fieldnames if n != "tips"],
                            extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in reader:
        if row["payment_type"] == "Credit Card":
            row["payment_type"] = "Cash"
        writer.writerow(row)
PY
"$weir" examplegen --input_base "$w/requests" --output "$w/logged" >/dev/null
cp "$w/logged/Split-eval/data_tfrecord-00000-of-00001.gz" \
  "$w/serving-logs/spans/requests-20261207T000000.000000Z-test-1-0.tfrecord"

{ echo "pipeline: spans"; cat "$(dirname "$0")/../lib/span_validation_nodes.yaml"; } \
  >"$w/pipeline.yaml"
"$weir" run "$w/pipeline.yaml" --run_id span1 >/dev/null
mv "$w/span-2" "$w/incoming/span-2"
"$weir" run "$w/pipeline.yaml" --run_id span2 >/dev/null
"$weir" artifacts --run span2 --json | /usr/bin/python3 -c "
import json, sys
artifacts = json.load(sys.stdin)['artifacts']
one = lambda node: [a['id'] for a in artifacts if a['node'] == node][0]
print(one('StatisticsGen'), one('ExampleValidator'))"
