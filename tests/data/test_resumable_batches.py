"""`resumable_batches`: the data order is a function of (seed, step) only."""

import numpy as np
import pytest
import tensorflow as tf

import ganzoo

COUNT, BATCH = 10, 3  # 3 batches per epoch, one example dropped


def batches(seed=5, start_step=0, num=9, examples=None, **kwargs):
    examples = tf.data.Dataset.range(COUNT) if examples is None else examples
    stream = ganzoo.data.resumable_batches(examples, COUNT, BATCH, seed=seed, start_step=start_step, **kwargs)
    return [tf.nest.map_structure(lambda x: x.numpy().tolist(), b) for b in stream.take(num)]


def test_every_start_step_continues_the_uninterrupted_stream():
    full = batches(num=12)
    for start in range(1, 9):
        assert batches(start_step=start, num=12 - start) == full[start:], start


def test_each_epoch_is_a_new_permutation_fixed_by_the_seed():
    full = batches(num=9)
    epochs = [sum(full[i : i + 3], []) for i in (0, 3, 6)]
    for epoch in epochs:
        assert len(set(epoch)) == 9 and set(epoch) <= set(range(COUNT))
    assert epochs[0] != epochs[1] != epochs[2]
    assert sorted(epochs[0]) != epochs[0]  # shuffled
    tf.random.set_seed(123)  # the global seed plays no part
    assert batches(num=9) == full
    assert batches(seed=6, num=9) != full
    assert batches(shuffle=False, num=3) == [[0, 1, 2], [3, 4, 5], [6, 7, 8]]


def test_structures_keep_images_and_labels_together():
    images = np.arange(COUNT, dtype="float32")[:, None] * np.ones((1, 2), "float32")
    examples = tf.data.Dataset.from_tensor_slices((images, np.arange(COUNT)))
    for x, y in batches(examples=examples, num=6):
        assert [row[0] for row in x] == y


def test_bad_arguments_are_named():
    examples = tf.data.Dataset.range(COUNT)
    with pytest.raises(ValueError, match="integer seed; got None"):
        ganzoo.data.resumable_batches(examples, COUNT, BATCH, seed=None)
    with pytest.raises(ValueError, match="start_step must be a non-negative integer; got -1"):
        ganzoo.data.resumable_batches(examples, COUNT, BATCH, seed=0, start_step=-1)
    with pytest.raises(ValueError, match="10 examples are fewer than batch_size=11"):
        ganzoo.data.resumable_batches(examples, COUNT, 11, seed=0)
