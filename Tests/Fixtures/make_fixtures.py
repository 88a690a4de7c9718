#!/usr/bin/env python3
"""Records what the real reference tools compute, so the Swift tests need no TensorFlow.

Run once per toolchain; the outputs are committed under Tests/Fixtures/.

    # TensorFlow 2.5 under Python 3.8: files without signatures ("old")
    python make_fixtures.py models Tests/Fixtures/models --tag old
    # TensorFlow 2.21: files with a serving_default signature ("new")
    python make_fixtures.py models Tests/Fixtures/models --tag new
    # the training notebook's .fft.dec bundles, one converter per run (see models/FFTDEC.md)
    python make_fixtures.py fftdec Tests/Fixtures/models --tag tf25|tf28|tf215
    # python_speech_features filterbanks
    python make_fixtures.py filterbanks Tests/Fixtures/filterbanks
    # the published analysis of the recordings in Tests/Fixtures/sounds
    python make_fixtures.py analysis Tests/Fixtures/sounds
    # the bundled model: published analysis + VAE trained with TensorFlow 2.21
    python make_fixtures.py bundle models/drone.wav

`scripts/make-fixtures` creates the virtual environments and runs them all.

Models follow the published autocoder architectures (shallow and deep VAE,
sampling with the fixed epsilon 1e-6), trained for a few steps on synthetic
mel-like frames with the published loss, then converted with TensorFlow's own
converter. For each model we record, with TensorFlow Lite's interpreter:
  NAME.latents.npy   K x E   latent values in [0,1]
  NAME.decoded.npy   K x D   decoder output for latent * scale_mult + scale_subtract
  NAME.frames.npy    M x D   input frames
  NAME.outputs.npy   M x 3 x E   encoder outputs in Keras order (z_mean, z_log_var, z)
  NAME.encoded.npy   M x E   (z_mean - scale_subtract) / scale_mult, float64, with the
                             .mm values as written (what autocoderlib.encode returns)
plus NAME.mm, NAME.dec, NAME.enc written exactly as autocoderlib.write_mm does.
"""
import argparse
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np

DEEP_WIDTHS_FULL = [512, 256, 128, 64, 32, 16]


def build(input_dim, intermediate_dim, encoded_dim, deep_widths, activation="relu"):
    """Encoder and decoder as in the published autocoderlib (layer for layer)."""
    import tensorflow as tf

    def sampling(args):
        z_mean, z_log_var = args
        return z_mean + tf.exp(0.5 * z_log_var) * 1e-06

    inputs = tf.keras.Input(shape=(input_dim,), name="encoder_input")
    x = tf.keras.layers.Dense(intermediate_dim, activation=activation)(inputs)
    for width in deep_widths or []:
        x = tf.keras.layers.Dense(width, activation=activation)(x)
    z_mean = tf.keras.layers.Dense(encoded_dim, name="z_mean")(x)
    z_log_var = tf.keras.layers.Dense(encoded_dim, name="z_log_var")(x)
    z = tf.keras.layers.Lambda(sampling, output_shape=(encoded_dim,), name="z")([z_mean, z_log_var])
    encoder = tf.keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")

    latent_inputs = tf.keras.Input(shape=(encoded_dim,), name="z_sampling")
    x = latent_inputs
    for width in reversed(deep_widths or []):
        x = tf.keras.layers.Dense(width, activation=activation)(x)
    x = tf.keras.layers.Dense(intermediate_dim, activation=activation)(x)
    outputs = tf.keras.layers.Dense(input_dim, activation="sigmoid")(x)
    decoder = tf.keras.Model(latent_inputs, outputs, name="decoder")
    return encoder, decoder


def train_steps(encoder, decoder, data, steps, learning_rate=1e-3, batch_size=64, seed=0):
    """A few Adam steps on the published VAE loss (512 * BCE + KL), so weights are not just initial."""
    import tensorflow as tf

    optimizer = tf.keras.optimizers.Adam(learning_rate)
    variables = encoder.trainable_variables + decoder.trainable_variables
    rng = np.random.default_rng(seed)
    input_dim = data.shape[1]
    for _ in range(steps):
        batch = tf.constant(data[rng.integers(0, len(data), batch_size)], dtype=tf.float32)
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = encoder(batch)
            out = tf.clip_by_value(decoder(z), 1e-7, 1 - 1e-7)
            bce = -tf.reduce_mean(batch * tf.math.log(out) + (1 - batch) * tf.math.log(1 - out), axis=-1)
            kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=-1)
            loss = tf.reduce_mean(input_dim * bce + kl)
        optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
    return float(loss)


def synthetic_frames(count, dim, rng):
    """Mel-like frames in [0,1]: a few smooth bumps over a falling slope."""
    i = np.arange(dim) / dim
    frames = np.empty((count, dim))
    for n in range(count):
        f = 0.3 * np.exp(-3 * i * rng.uniform(0.5, 2))
        for _ in range(rng.integers(2, 6)):
            f += rng.uniform(0.1, 0.7) * np.exp(-((i - rng.uniform()) ** 2) / (2 * rng.uniform(0.005, 0.05) ** 2))
        frames[n] = f
    return (frames - frames.min()) / (frames.max() - frames.min())


def write_mm(path, minin, maxin, scale_mult, scale_subtract, input_dim, intermediate_dim, encoded_dim, deep):
    columns = max(8, encoded_dim)
    rows = np.zeros([3, columns])
    rows[0, :encoded_dim] = scale_mult
    rows[1, :encoded_dim] = scale_subtract
    rows[2, :6] = [minin, maxin, input_dim, intermediate_dim, encoded_dim, deep]
    np.savetxt(path, rows, delimiter=", ", fmt="%1.6f")


def interpreter_for(model_bytes):
    import tensorflow as tf

    interpreter = tf.lite.Interpreter(model_content=model_bytes)
    interpreter.allocate_tensors()
    return interpreter


def run(interpreter, vector):
    """Every output of the interpreter for one input vector, keyed by tensor index."""
    details = interpreter.get_input_details()[0]
    interpreter.set_tensor(details["index"], vector.reshape(1, -1).astype(np.float32))
    interpreter.invoke()
    return {d["index"]: interpreter.get_tensor(d["index"])[0].copy() for d in interpreter.get_output_details()}


def convert(model, variant):
    import tensorflow as tf

    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    if variant == "float16":
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
        converter.target_spec.supported_types = [tf.float16]
    return converter.convert()


def make_models(out, tag):
    import tensorflow as tf

    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(1234)
    tf.random.set_seed(1234)
    configs = [
        # name, input_dim, intermediate_dim, encoded_dim, deep widths, training steps
        ("tiny-shallow", 40, 24, 8, None, 60),
        ("tiny-deep", 40, 48, 8, [32, 24, 16, 12, 10, 8], 60),
        ("full-shallow", 512, 1000, 8, None, 40),
    ]
    if tag == "new":
        configs.append(("full-deep", 512, 1000, 8, DEEP_WIDTHS_FULL, 40))
    for name, input_dim, intermediate_dim, encoded_dim, deep_widths, steps in configs:
        stem = os.path.join(out, f"{tag}-{name}")
        encoder, decoder = build(input_dim, intermediate_dim, encoded_dim, deep_widths)
        data = synthetic_frames(256, input_dim, rng)
        loss = train_steps(encoder, decoder, data, steps)
        z_mean = encoder.predict(data, verbose=0)[0]
        scale_mult = z_mean.max(axis=0) - z_mean.min(axis=0)
        scale_subtract = z_mean.min(axis=0)
        write_mm(stem + ".mm", 0.0, 123.456, scale_mult, scale_subtract,
                 input_dim, intermediate_dim, encoded_dim, 1 if deep_widths else 0)
        # Read the scaling back as written (six decimals), as the Python tools do.
        mm = np.loadtxt(stem + ".mm", delimiter=",")
        scale_mult, scale_subtract = mm[0][:encoded_dim], mm[1][:encoded_dim]

        dec_bytes, enc_bytes = convert(decoder, "float32"), convert(encoder, "float32")
        open(stem + ".dec", "wb").write(dec_bytes)
        open(stem + ".enc", "wb").write(enc_bytes)

        latents = np.vstack([np.zeros(encoded_dim), np.ones(encoded_dim), np.full(encoded_dim, 0.5),
                             rng.uniform(0, 1, (9, encoded_dim)), rng.uniform(-0.5, 1.5, (2, encoded_dim))])
        dec = interpreter_for(dec_bytes)
        decoded = np.array([list(run(dec, (v * scale_mult + scale_subtract).astype(np.float32)).values())[0]
                            for v in latents])

        frames = np.vstack([data[:10], rng.uniform(0, 1, (2, input_dim)), np.zeros((1, input_dim))])
        keras_outputs = encoder.predict(frames, verbose=0)
        enc = interpreter_for(enc_bytes)
        outputs = []
        for m, frame in enumerate(frames):
            by_index = run(enc, frame)
            # Put the interpreter's outputs in Keras order by matching them to Keras's own.
            ordered = []
            for k in range(3):
                best = min(by_index, key=lambda i: np.abs(by_index[i] - keras_outputs[k][m]).max())
                ordered.append(by_index[best])
            outputs.append(ordered)
        outputs = np.array(outputs, dtype=np.float32)
        encoded = (outputs[:, 0, :].astype(np.float64) - scale_subtract) / scale_mult

        np.save(stem + ".latents.npy", latents.astype(np.float32))
        np.save(stem + ".decoded.npy", decoded.astype(np.float32))
        np.save(stem + ".frames.npy", frames.astype(np.float32))
        np.save(stem + ".outputs.npy", outputs)
        np.save(stem + ".encoded.npy", encoded)
        print(f"{stem}: loss {loss:.3f}, dec {len(dec_bytes)} bytes, enc {len(enc_bytes)} bytes")

    if tag == "new":
        # Models the reader must refuse with a clear error.
        encoder, decoder = build(40, 24, 8, None, activation="tanh")
        open(os.path.join(out, "unsupported-tanh.dec"), "wb").write(convert(decoder, "float32"))
        encoder, decoder = build(40, 24, 8, None)
        open(os.path.join(out, "unsupported-float16.dec"), "wb").write(convert(decoder, "float16"))


def inversion_matrix(nfilt, nfft):
    """SPEC §3's inversion matrix (nfilt x nfft/2), float64 as python_speech_features returns it."""
    from python_speech_features.base import get_filterbanks

    bank = get_filterbanks(nfilt=nfilt, nfft=nfft, samplerate=44100, lowfreq=0, highfreq=22050)
    return np.ascontiguousarray(bank[:, : nfft // 2])


def generic_matrix(rows, bins, rng):
    """A non-negative constant that is no filterbank: each row a few bumps of random place and width."""
    k = np.arange(bins) / bins
    matrix = np.zeros((rows, bins))
    for row in matrix:
        for _ in range(rng.integers(1, 4)):
            row += rng.uniform(0.2, 2) * np.exp(-((k - rng.uniform()) ** 2) / (2 * rng.uniform(0.002, 0.05) ** 2))
    matrix[matrix < 1e-3] = 0
    return matrix


def spectrum_decoder(decoder, matrix):
    """The training notebook's .fft.dec: the mel decoder's output dotted with a constant, exactly as it
    writes it (Dot(axes=(1,1)) against K.expand_dims(tf.constant(M), 0), M left float64)."""
    import tensorflow as tf
    import tensorflow.keras.backend as K

    constant = K.expand_dims(tf.constant(matrix), 0)
    spectrum = tf.keras.layers.Dot(axes=(1, 1))([decoder.outputs[0], constant])
    return tf.keras.Model(decoder.inputs, spectrum, name="decoder")


def final_step_decoder(decoder, step):
    """A decoder whose last operator is one the reader does not support (the refusal must name it)."""
    import tensorflow as tf

    outputs = decoder.outputs[0]
    if step == "cumsum":
        outputs = tf.math.cumsum(outputs, axis=1)
    else:
        outputs = tf.gather(outputs, np.arange(outputs.shape[1])[::-1].copy(), axis=1)
    return tf.keras.Model(decoder.inputs, outputs, name="decoder")


def operator_table(model_bytes):
    """Every operator of a TensorFlow Lite file with its tensors (shape, signature, type, constant values
    when small) and its options, read with the flatbuffer schema TensorFlow ships."""
    from tensorflow.lite.python import schema_py_generated as schema

    def enum_names(cls):
        return {v: k for k, v in vars(cls).items() if not k.startswith("_")}

    ops, types, option_types = enum_names(schema.BuiltinOperator), enum_names(schema.TensorType), \
        enum_names(schema.BuiltinOptions)
    dtypes = {"FLOAT32": np.float32, "FLOAT64": np.float64, "INT32": np.int32, "INT64": np.int64}
    model = schema.Model.GetRootAsModel(model_bytes, 0)
    graph = model.Subgraphs(0)

    def tensor(index):
        if index < 0:
            return "(none)"
        t = graph.Tensors(index)
        kind = types[t.Type()]
        text = f"#{index} {t.Name().decode()} {kind} {t.ShapeAsNumpy().tolist()}"
        if hasattr(t, "ShapeSignatureLength") and t.ShapeSignatureLength():
            text += f" signature {t.ShapeSignatureAsNumpy().tolist()}"
        data = model.Buffers(t.Buffer()).DataAsNumpy() if t.Buffer() < model.BuffersLength() else 0
        if not isinstance(data, int) and len(data):
            if kind in dtypes and len(data) <= 64:
                text += f" = {np.frombuffer(data.tobytes(), dtypes[kind]).tolist()}"
            else:
                text += f" constant ({len(data)} bytes)"
        return text

    def options(op):
        name = option_types.get(op.BuiltinOptionsType(), "NONE")
        if name == "NONE" or op.BuiltinOptions() is None:
            return "no options"
        cls = getattr(schema, name)
        table = cls()
        table.Init(op.BuiltinOptions().Bytes, op.BuiltinOptions().Pos)
        fields = []
        for field in sorted(vars(cls)):
            if field.startswith("_") or field in ("Init",) or field.startswith("GetRootAs") \
                    or field.endswith(("AsNumpy", "Length", "IsNone")) or "BufferHasIdentifier" in field:
                continue
            value = getattr(table, field + "AsNumpy")().tolist() if hasattr(table, field + "Length") \
                else getattr(table, field)()
            fields.append(f"{field}={value}")
        return f"{name}({', '.join(fields)})"

    signatures = [model.SignatureDefs(i).SignatureKey().decode() for i in range(model.SignatureDefsLength())] \
        if hasattr(model, "SignatureDefsLength") else []
    lines = [f"signatures {signatures or 'none'}",
             f"inputs {[tensor(i) for i in graph.InputsAsNumpy()]}",
             f"outputs {[tensor(i) for i in graph.OutputsAsNumpy()]}"]
    for n in range(graph.OperatorsLength()):
        op = graph.Operators(n)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode()) if hasattr(code, "DeprecatedBuiltinCode") \
            else code.BuiltinCode()
        lines.append(f"op {n}: {ops.get(builtin, builtin)} {options(op)}")
        lines += [f"    in  {tensor(i)}" for i in op.InputsAsNumpy()]
        lines += [f"    out {tensor(i)}" for i in op.OutputsAsNumpy()]
    return lines


def make_fftdec(out, tag):
    """The training notebook's .fft.dec bundles (NAME.fft.dec + NAME.mm, no .dec or .enc), recorded with
    TensorFlow Lite's interpreter:
      NAME.latents.npy   K x 8   latent values in [0,1] (all 0, all 1, centre, two corners, random)
      NAME.decoded.npy   K x B   the .fft.dec's output for latent * scale_mult + scale_subtract
      NAME.mel.npy       K x D   the same through the mel decoder alone (the part before the Dot)
    plus, for the refusals, fft-TAG-unsupported-STEP.fft.dec whose last operator is CUMSUM or GATHER."""
    import tensorflow as tf

    os.makedirs(out, exist_ok=True)
    rng = np.random.default_rng(8192)
    tf.random.set_seed(8192)
    if hasattr(tf.keras.utils, "set_random_seed"):
        # Keras 2.15 draws unseeded initial weights afresh each run unless Keras itself is seeded
        # (this seeds Python, NumPy and TensorFlow; 2.8 gives the same weights either way).
        tf.keras.utils.set_random_seed(8192)
    configs = [
        # name, input_dim (mel), intermediate_dim, deep widths, training steps, constant
        ("full-shallow", 512, 1000, None, 40, lambda: inversion_matrix(512, 8192)),
        ("tiny-shallow", 32, 16, None, 60, lambda: inversion_matrix(32, 128)),
    ]
    if tag == "tf28":
        configs += [
            ("full-deep", 512, 1000, DEEP_WIDTHS_FULL, 40, lambda: inversion_matrix(512, 8192)),
            ("inv2048-shallow", 512, 32, None, 60, lambda: inversion_matrix(512, 2048)),
            ("generic-shallow", 64, 24, None, 60, lambda: generic_matrix(64, 1000, rng)),
        ]
    for name, input_dim, intermediate_dim, deep_widths, steps, make_matrix in configs:
        stem = os.path.join(out, f"fft-{tag}-{name}")
        encoder, decoder = build(input_dim, intermediate_dim, 8, deep_widths)
        data = synthetic_frames(256, input_dim, rng)
        loss = train_steps(encoder, decoder, data, steps)
        z_mean = encoder.predict(data, verbose=0)[0]
        write_mm(stem + ".mm", 0.0, 1951.679423, z_mean.max(axis=0) - z_mean.min(axis=0), z_mean.min(axis=0),
                 input_dim, intermediate_dim, 8, 1 if deep_widths else 0)
        mm = np.loadtxt(stem + ".mm", delimiter=",")
        scale_mult, scale_subtract = mm[0][:8], mm[1][:8]

        matrix = make_matrix()
        fft_bytes = convert(spectrum_decoder(decoder, matrix), "float32")
        open(stem + ".fft.dec", "wb").write(fft_bytes)

        corners = np.arange(8) % 2
        latents = np.vstack([np.zeros(8), np.ones(8), np.full(8, 0.5), corners, 1 - corners,
                             rng.uniform(0, 1, (7, 8))])
        inputs = [(v * scale_mult + scale_subtract).astype(np.float32) for v in latents]
        fft_interpreter, mel_interpreter = interpreter_for(fft_bytes), interpreter_for(convert(decoder, "float32"))
        decoded = np.array([list(run(fft_interpreter, z).values())[0] for z in inputs], dtype=np.float32)
        mel = np.array([list(run(mel_interpreter, z).values())[0] for z in inputs], dtype=np.float32)
        np.save(stem + ".latents.npy", latents.astype(np.float32))
        np.save(stem + ".decoded.npy", decoded)
        np.save(stem + ".mel.npy", mel)

        product = mel.astype(np.float64) @ matrix
        print(f"{stem}: TensorFlow {tf.__version__}, loss {loss:.3f}, {len(fft_bytes)} bytes, decoded {decoded.shape}, "
              f"max|decoded| {np.abs(decoded).max():.6g}, "
              f"max|decoded - mel x M| {np.abs(decoded - product).max():.3g}")
        print("\n".join("  " + line for line in operator_table(fft_bytes)))

    if tag == "tf28":
        for step in ("cumsum", "gather"):
            encoder, decoder = build(32, 16, 8, None)
            model_bytes = convert(final_step_decoder(decoder, step), "float32")
            stem = os.path.join(out, f"fft-{tag}-unsupported-{step}")
            open(stem + ".fft.dec", "wb").write(model_bytes)
            write_mm(stem + ".mm", 0.0, 1951.679423, np.ones(8), np.zeros(8), 32, 16, 8, 0)
            print(f"{stem}: {len(model_bytes)} bytes")
            print("\n".join("  " + line for line in operator_table(model_bytes)))


def make_filterbanks(out):
    from python_speech_features.base import get_filterbanks

    os.makedirs(out, exist_ok=True)
    for nfft, rate in [(512, 44100), (1024, 44100), (4096, 44100), (16384, 44100), (4096, 48000), (2048, 96000)]:
        bank = get_filterbanks(nfilt=512, nfft=nfft, samplerate=rate, lowfreq=0, highfreq=22050)
        inversion = bank[:, : nfft // 2]
        rows, cols = np.nonzero(inversion)
        triples = np.stack([rows, cols, inversion[rows, cols]], axis=1).astype(np.float64)
        np.save(os.path.join(out, f"fbank-{nfft}-{rate}.npy"), triples)
        print(f"fbank {nfft} @ {rate}: {len(triples)} nonzeros")


def published_analysis(path, normalized=False):
    """autocoderlib.analyze_data(_normalized): N=16384, hop 1024, Hann, |rfft| x analysis matrix,
    one zero row, min/max scaled."""
    import librosa
    from python_speech_features.base import get_filterbanks
    from scipy.signal.windows import hann

    fft_size, hop, mel_size = 16384, 1024, 512
    data = librosa.load(path, sr=44100, mono=True)[0]
    bank = get_filterbanks(nfilt=mel_size, nfft=fft_size, samplerate=44100, lowfreq=0, highfreq=22050)
    inversion = np.ascontiguousarray(bank.T[0:fft_size // 2].T)
    with np.errstate(invalid="ignore", divide="ignore"):
        analysis = np.ascontiguousarray(np.divide(inversion.T, inversion.sum(axis=1)))
    window = hann(fft_size)
    count = round(len(data) / hop)
    output = np.zeros((count - 16 + 1, mel_size))
    for i in range(count - 16):
        frame = data[i * hop:i * hop + fft_size] * window
        magnitude = np.abs(np.fft.rfft(frame))
        if normalized and magnitude.max() != 0:
            magnitude = magnitude / magnitude.max()
        output[i] = magnitude[:fft_size // 2] @ analysis
    output = np.nan_to_num(output, nan=0.0)
    minin, maxin = output.min(), output.max()
    return (output - minin) / (maxin - minin), minin, maxin


def make_analysis(folder):
    """References for the Swift analysis: every .oga/.wav in `folder`, plain and normalized."""
    for name in sorted(os.listdir(folder)):
        if not name.endswith((".oga", ".wav")):
            continue
        for normalized in (False, True):
            data, minin, maxin = published_analysis(os.path.join(folder, name), normalized)
            stem = os.path.join(folder, name + (".normalized" if normalized else "") + ".reference")
            np.save(stem + ".npy", data)
            np.savetxt(stem + ".minmax", np.asarray([[minin, maxin]]), delimiter=", ")
            print(f"{stem}: {data.shape[0]} rows, minin {minin}, maxin {maxin}")


def make_bundle(sound, epochs, learning_rate, batch_size):
    """Trains the bundled shallow model on `sound`; writes sound.{npy,minmax,mm,dec,enc}."""
    import tensorflow as tf

    tf.random.set_seed(7)
    data, minin, maxin = published_analysis(sound)
    np.save(sound + ".npy", data)
    np.savetxt(sound + ".minmax", np.asarray([[minin, maxin]]), delimiter=", ")
    encoder, decoder = build(512, 1000, 8, None)
    steps_per_epoch = int(np.ceil(len(data) / batch_size))
    for epoch in range(0, epochs, 25):
        loss = train_steps(encoder, decoder, data, 25 * steps_per_epoch, learning_rate, batch_size, seed=epoch)
        print(f"epoch {epoch + 25}: loss {loss:.2f}", flush=True)
    z_mean = encoder.predict(data, verbose=0)[0]
    write_mm(sound + ".mm", minin, maxin, z_mean.max(axis=0) - z_mean.min(axis=0), z_mean.min(axis=0), 512, 1000, 8, 0)
    open(sound + ".dec", "wb").write(convert(decoder, "float32"))
    open(sound + ".enc", "wb").write(convert(encoder, "float32"))
    reconstruction = decoder.predict(z_mean, verbose=0)
    print(f"{len(data)} frames; mean absolute reconstruction error {np.abs(reconstruction - data).mean():.4f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["models", "fftdec", "filterbanks", "analysis", "bundle"])
    parser.add_argument("out", help="output folder, or for bundle the sound file (the anchor)")
    parser.add_argument("--tag", choices=["old", "new", "tf25", "tf28", "tf215"])
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--learning-rate", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=256)
    args = parser.parse_args()
    if args.what == "analysis":
        make_analysis(args.out)
    elif args.what == "bundle":
        make_bundle(args.out, args.epochs, args.learning_rate, args.batch_size)
    elif args.what == "models":
        if not args.tag:
            sys.exit("models needs --tag old|new")
        make_models(args.out, args.tag)
    elif args.what == "fftdec":
        if args.tag not in ("tf25", "tf28", "tf215"):
            sys.exit("fftdec needs --tag tf25|tf28|tf215 (the converter)")
        make_fftdec(args.out, args.tag)
    else:
        make_filterbanks(args.out)


if __name__ == "__main__":
    main()
