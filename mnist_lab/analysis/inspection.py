"""Look inside a trained model: saliency, learned filters, feature maps, a single prediction.

Everything here needs the saved Keras model, so TensorFlow and Keras are imported inside
the functions: a page can import this module for free and pay for TensorFlow only when
it really opens a model (with `mnist_lab.model.saved.load_model`, which a page wraps in
`st.cache_resource` keyed by the run).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mnist_lab.model import INPUT_NAME, OUTPUT_NAME
from mnist_lab.model.predict import BATCH, predict_batches

# Layers whose output is a new feature map: convolutions, pooling, additions, concatenations.
MAP_LAYER_TYPES = ("Conv2D", "MaxPooling2D", "AveragePooling2D", "Add", "Concatenate")


@dataclass(frozen=True, eq=False)
class LayerArray:
    """One named layer's array: a conv kernel (kernel, kernel, in, out) or a feature map (h, w, c).

    `inputs` names the layers feeding a feature map's layer (two for a residual addition,
    four for an inception concatenation); empty for a kernel.
    """

    name: str
    values: np.ndarray
    inputs: tuple[str, ...] = ()


def _batch(images):
    """Images as float32 (n, 28, 28, 1) in [0, 1], whatever scale and shape they came in."""
    images = np.asarray(images)
    if images.ndim == 2:
        images = images[None]
    if images.ndim == 3:
        images = images[..., None]
    if images.ndim != 4 or images.shape[-1] != 1:
        raise ValueError(f"images must have shape (28, 28), (n, 28, 28) or (n, 28, 28, 1), "
                         f"got {images.shape}")
    scale = 1 / 255 if images.dtype == np.uint8 else 1.0
    return images.astype(np.float32) * np.float32(scale)


def predict(model, images):
    """Class probabilities, shape (n, 10), for digits prepared like MNIST (see `drawn_digits.to_mnist`)."""
    return np.asarray(predict_batches(model, _batch(images)), dtype=np.float64)


def embed(model, images):
    """Probabilities and penultimate vectors in one pass: what the output layer reads.

    Returns (probabilities (n, 10) float32, vectors (n, width) float32, the name of the layer
    the vectors come from: the last before the output that is not a dropout, which is the
    identity at inference).
    """
    import keras

    batch = _batch(images)
    if isinstance(model, keras.Sequential):
        # Older runs: a chain; its last layer is the output, the one before feeds it.
        found = [[values for _, values in _through_chain(model, batch[start:start + BATCH])][-2:]
                 for start in range(0, len(batch), BATCH)]
        vectors = np.concatenate([np.asarray(part[0]) for part in found])
        probabilities = np.concatenate([np.asarray(part[1]) for part in found])
        sources = [layer for layer in model.layers[:-1] if type(layer).__name__ != "Dropout"]
        name = sources[-1].name if sources else INPUT_NAME
    else:
        output = model.get_layer(OUTPUT_NAME) if OUTPUT_NAME in {
            layer.name for layer in model.layers} else model.layers[-1]
        feeding = output.input
        probabilities, vectors = predict_batches(
            keras.Model(model.inputs, [model.outputs[0], feeding]), batch)
        source = feeding._keras_history.operation
        while type(source).__name__ == "Dropout":
            source = source.input._keras_history.operation
        name = source.name
    return (np.asarray(probabilities, dtype=np.float32),
            np.asarray(vectors, dtype=np.float32).reshape(len(batch), -1), name)


def _through_chain(model, batch):
    """Each layer of a Sequential model (runs saved before block kinds) with its output: such a
    model is loaded without a graph to probe, so it is run layer by layer."""
    activations = batch
    for layer in model.layers:
        activations = layer(activations, training=False)
        yield layer, activations


def saliency(model, images, target_classes):
    """Input-gradient saliency: which pixels most change the score of each target class.

    The gradient of the target class's probability with respect to each input pixel,
    as an absolute value, scaled so that each map's largest value is 1.

    Parameters
    ----------
    model : keras.Model
    images : ndarray, shape (n, 28, 28) or (n, 28, 28, 1)
        uint8 or float in [0, 1].
    target_classes : int or sequence of int
        One class for all images, or one per image.

    Returns
    -------
    maps : ndarray of float32, shape (n, 28, 28)
        Values in [0, 1]; an all-zero gradient gives an all-zero map.
    """
    import tensorflow as tf

    batch = _batch(images)
    targets = np.broadcast_to(np.asarray(target_classes, dtype=np.int64), (len(batch),))
    if ((targets < 0) | (targets > 9)).any():
        raise ValueError(f"target classes must be 0..9, got {sorted(set(targets.tolist()))}")
    # Eager on purpose. A model here is a run's, opened for the few cells of it a user looks at
    # (each computed once, then cached): the eager tape costs 17-35 ms of CPU a call, where a
    # compiled step's trace took 0.11-0.20 s on each model's first call, that is on every new
    # run's first Errors view, to save about 20 ms on each later one.
    inputs = tf.convert_to_tensor(batch)
    with tf.GradientTape() as tape:
        tape.watch(inputs)
        scores = tf.gather(model(inputs, training=False), targets, axis=1, batch_dims=1)
    gradients = np.abs(tape.gradient(scores, inputs).numpy()[..., 0])
    peaks = gradients.max(axis=(1, 2), keepdims=True)
    return np.divide(gradients, peaks, out=np.zeros_like(gradients), where=peaks > 0)


def conv_filters(model):
    """The learned kernels of every convolution, in layer order.

    Returns
    -------
    filters : list of LayerArray
        values has shape (kernel, kernel, input channels, filters).
    """
    return [LayerArray(layer.name, np.asarray(layer.get_weights()[0]))
            for layer in model.layers if type(layer).__name__ == "Conv2D"]


def _tensor_sources(value) -> list[str]:
    """The layer names in a serialized call's arguments: Keras writes each tensor's history."""
    if isinstance(value, dict):
        history = value.get("config", {}).get("keras_history")
        if value.get("class_name") == "__keras_tensor__" and history:
            return [history[0]]
        value = list(value.values())
    if isinstance(value, list | tuple):
        return [name for item in value for name in _tensor_sources(item)]
    return []


def layer_inputs(model) -> dict[str, tuple[str, ...]]:
    """Each layer's name -> the names of the layers feeding it, read from the model's config.

    A functional model lists its connections; a Sequential one (runs saved before block kinds
    existed) is a chain.
    """
    layers = model.get_config()["layers"]
    if all("inbound_nodes" in layer for layer in layers):
        return {layer["config"]["name"]: tuple(_tensor_sources(layer["inbound_nodes"]))
                for layer in layers}
    names = [layer.name for layer in model.layers]
    return {name: (previous,) for previous, name in zip([INPUT_NAME, *names], names, strict=False)}


def feature_maps(model, image):
    """One digit's activations after every convolution, pooling, addition and concatenation.

    Parameters
    ----------
    model : keras.Model
        Functional (as `model.build.build_model` makes) or Sequential (older runs).
    image : ndarray, shape (28, 28) or (28, 28, 1)

    Returns
    -------
    maps : list of LayerArray
        In layer order; values has the layer's output shape (height, width, channels), as
        listed by `model.describe`, and inputs the layers feeding it. Augmentation is off,
        as at inference.
    """
    import keras

    batch = _batch(image)
    if len(batch) != 1:
        raise ValueError(f"feature_maps takes one image, got {len(batch)}")
    chosen = [layer for layer in model.layers if type(layer).__name__ in MAP_LAYER_TYPES]
    if not chosen:
        return []
    if isinstance(model, keras.Sequential):
        outputs = [values for layer, values in _through_chain(model, batch) if layer in chosen]
    else:
        outputs = keras.Model(model.input, [layer.output for layer in chosen])(batch, training=False)
    inputs = layer_inputs(model)
    return [LayerArray(layer.name, np.asarray(values)[0], inputs.get(layer.name, ()))
            for layer, values in zip(chosen, outputs, strict=True)]


def side_by_side(maps):
    """Feature maps in rows: maps fed by the same layers (an inception block's branches, a
    residual block's first convolution and its projection shortcut) share a row.

    Parameters
    ----------
    maps : list of LayerArray
        From `feature_maps`.

    Returns
    -------
    rows : list of list of LayerArray
        In the order of `maps`, each map once.
    """
    rows: dict[tuple[str, ...], list] = {}
    for layer in maps:
        rows.setdefault(layer.inputs or (layer.name,), []).append(layer)
    return list(rows.values())


def _unit_scaled(image):
    low, high = image.min(), image.max()
    return (image - low) / (high - low) if high > low else np.zeros_like(image)


def filter_images(layer, limit=64):
    """Each filter of a conv kernel as a small image in [0, 1], averaged over input channels.

    Each image is stretched to its own range, so the shape of a weak filter shows too.
    At most `limit` images, for a grid that stays readable.
    """
    kernels = np.asarray(layer.values).mean(axis=2)
    return [_unit_scaled(kernels[..., number]) for number in range(min(limit, kernels.shape[-1]))]


def channel_images(layer, limit=64):
    """Each channel of a feature map as an image in [0, 1] (at most `limit`)."""
    maps = np.asarray(layer.values)
    return [_unit_scaled(maps[..., number]) for number in range(min(limit, maps.shape[-1]))]
