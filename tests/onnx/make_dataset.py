"""A small CSV and a pipeline that trains on it, for tests/onnx/run.sh's multiclass and regression
cases: every transform op that ONNX can express (fill_missing, scale_to_z_score, scale_to_0_1,
bucketize, vocabularies with and without OOV buckets, categorical_identity, one_hot, clip,
log1p), expressions with every operator and function the export translates, missing values in
every kind of column, and a rare token the vocabulary may not hold.

    make_dataset.py multiclass|regression|hashed FAMILY DATA.csv PIPELINE.yaml

hashed: multiclass with a hash_strings feature as well, which the export must refuse.
"""
import csv
import random
import sys

task, family, data_path, pipeline_path = sys.argv[1:5]
rng = random.Random(7)
colors = ["red", "green", "blue", "amber, dark"]  # A comma: the CSV quotes it.
with open(data_path, "w", newline="") as out:
    writer = csv.writer(out)
    writer.writerow(["x1", "x2", "k", "color", "label"])
    for i in range(3000):
        x1 = rng.gauss(0, 2)
        x2 = rng.uniform(-5, 50)
        k = rng.randint(0, 6)  # 6 is outside categorical_identity's 6 buckets.
        color = "violet" if i % 997 == 5 else rng.choice(colors)
        score = x1 + 0.05 * x2 + (1.5 if color == "red" else 0) - 0.3 * k + rng.gauss(0, 0.5)
        label = f"{score:.4f}" if task == "regression" else ["low", "mid", "high"][(score > 0) + (score > 2)]
        row = [f"{x1:.5f}", f"{x2:.3f}", str(k), color, label]
        for j in range(4):
            if rng.random() < 0.05:
                row[j] = ""  # Missing.
        writer.writerow(row)

label_ops = "[scale_to_z_score]" if task == "regression" else "[compute_and_apply_vocabulary]"
model_task = "regression" if task == "regression" else "multiclass_classification"
hashed = ("        - {name: color_hash, input: color, ops: [{hash_strings: {hash_buckets: 8}}]}"
          if task == "hashed" else "")
with open(pipeline_path, "w") as out:
    out.write(f"""pipeline: onnx_{task}
nodes:
  CsvExampleGen:
    component: CsvExampleGen
    params:
      input_base: data
  StatisticsGen:
    component: StatisticsGen
    inputs:
      examples: CsvExampleGen.examples
  SchemaGen:
    component: SchemaGen
    inputs:
      statistics: StatisticsGen.statistics
  Transform:
    component: Transform
    inputs:
      examples: CsvExampleGen.examples
      schema: SchemaGen.schema
    params:
      spec:
        features:
        - {{name: x1_z, input: x1, ops: [fill_missing, scale_to_z_score]}}
        - {{name: x1_log, input: x1, ops: [{{fill_missing: {{value: "0.5"}}}}, {{clip: {{min: 0, max: 4}}}}, log1p]}}
        - {{name: x2_01, input: x2, ops: [fill_missing, scale_to_0_1]}}
        - {{name: x2_bucket, input: x2, ops: [{{bucketize: {{num_buckets: 5}}}}]}}
        - {{name: k_id, input: k, ops: [{{fill_missing: {{value: "3"}}}}, {{categorical_identity: {{num_buckets: 6, default_value: 0}}}}]}}
        - {{name: k_hot, input: k, ops: [{{categorical_identity: {{num_buckets: 6, default_value: -1}}}}, one_hot]}}
        - {{name: k_clipped, input: k, ops: [fill_missing, {{clip: {{min: 1.5, max: 4}}}}]}}
        - {{name: color_oov, input: color, ops: [fill_missing, {{compute_and_apply_vocabulary: {{num_oov_buckets: 3}}}}]}}
        - {{name: color_id, input: color, ops: [{{compute_and_apply_vocabulary: {{top_k: 2}}}}]}}
        - {{name: ratio, expression: "x2 > 10 ? x1 / (1 + abs(x2)) : -x1^2 + _pi", ops: [fill_missing, scale_to_z_score]}}
        - {{name: logs, expression: "log10(1 + abs(x2)) + ln(2 + x1^2) - log2(3) * sqrt(exp(min(x1, 1, x2)))", ops: [fill_missing]}}
        - {{name: logic, expression: "(x1 > 0 && k >= 2) || x2 != 7 == (k <= 3)", ops: [fill_missing]}}
        - {{name: k_rounded, expression: "rint(k * 1.5) + sign(x1) - avg(k, 2^-1, sum(1, 2))", expression_type: int, ops: [{{fill_missing: {{value: "-1"}}}}]}}
        - {{name: label_xf, input: label, ops: {label_ops}}}
{hashed}
  Trainer:
    component: Trainer
    inputs:
      examples: Transform.transformed_examples
      transform_graph: Transform.transform_graph
    params:
      model:
        family: {family}
        task: {model_task}
        label: label_xf
        train_steps: 300
        seed: 3
        wide_deep: {{hidden_units: [16, 8], embedding_dim: 3}}
""")
