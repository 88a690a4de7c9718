#!/usr/bin/env python3
"""Seconds per epoch of the published shallow (or deep) VAE in TensorFlow/Keras
on the CPU, for autocoder-bench to print next to the native trainer's figure.

    python keras_epoch_time.py DATA.npy BATCH EPOCHS [deep]

Same data, architecture, loss (512·BCE + KL), optimiser (Adam) and batch size
as `autocoder train`; Keras's compiled training step (model.fit). Prints the
median seconds per epoch after a warm-up epoch.
"""
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
import numpy as np
import tensorflow as tf

sys.path.insert(0, os.path.dirname(__file__))
from make_fixtures import build  # noqa: E402  the published architecture, layer for layer

data_path, batch, epochs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
deep = len(sys.argv) > 4 and sys.argv[4] == "deep"
data = np.load(data_path).astype(np.float32)
encoder, decoder = build(data.shape[1], 1000, 8, [512, 256, 128, 64, 32, 16] if deep else None)


class VAE(tf.keras.Model):
    def __init__(self, encoder, decoder):
        super().__init__()
        self.encoder, self.decoder = encoder, decoder

    def train_step(self, x):
        with tf.GradientTape() as tape:
            z_mean, z_log_var, z = self.encoder(x)
            out = tf.clip_by_value(self.decoder(z), 1e-7, 1 - 1e-7)
            bce = -tf.reduce_mean(x * tf.math.log(out) + (1 - x) * tf.math.log(1 - out), axis=-1)
            kl = -0.5 * tf.reduce_sum(1 + z_log_var - tf.square(z_mean) - tf.exp(z_log_var), axis=-1)
            loss = tf.reduce_mean(x.shape[-1] * bce + kl)
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return {"loss": loss}


model = VAE(encoder, decoder)
model.compile(optimizer=tf.keras.optimizers.Adam(1e-3))
times = []


class Timer(tf.keras.callbacks.Callback):
    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        times.append(time.perf_counter() - self.start)


model.fit(data, batch_size=batch, epochs=epochs + 1, shuffle=True, verbose=0, callbacks=[Timer()])
print(f"{np.median(times[1:]):.4f}")
