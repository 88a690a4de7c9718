#!/usr/bin/env python3
"""Runs TensorFlow Lite's own interpreter (ai-edge-litert) on model files that
autocoder wrote, the way the published autocoderlib does, and saves what it
computes, for AutocoderModelTests.TFLiteWriterTests.

    python litert_check.py MODEL.dec|MODEL.enc INPUTS.npy OUT.npy INDEX

INPUTS is rows x input values (float32). OUT gets, per row, every graph output
in the subgraph's order, concatenated, then the tensor at INDEX, the way the
published tools read results (7 or 25 for decoders, 15 for shallow encoders).
"""
import sys

import numpy as np
from ai_edge_litert.interpreter import Interpreter

model, inputs, out, hard_coded = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
interpreter = Interpreter(model_path=model)
interpreter.allocate_tensors()
rows = np.load(inputs).astype(np.float32)
input_index = interpreter.get_input_details()[0]["index"]
assert input_index == 0, "the published tools set tensor 0"
outputs = interpreter.get_output_details()
results = []
for row in rows:
    interpreter.set_tensor(0, row[None, :])
    interpreter.invoke()
    values = [interpreter.get_tensor(d["index"])[0] for d in outputs]
    values.append(interpreter.get_tensor(hard_coded)[0])
    results.append(np.concatenate(values))
np.save(out, np.array(results, dtype=np.float32))
