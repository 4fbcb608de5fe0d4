"""Tasks with their own data sets and missing labels: the container, the losses, both ``fit``."""

import copy

import keras
import numpy as np
import pytest
import tensorflow as tf
import torch

from mtl_lessons import set_seed
from mtl_lessons.data import MultiTaskData, Split, digit_pairs, related_tasks, select_tasks
from mtl_lessons.data.base import MISSING_CLASS
from mtl_lessons.keras import HardSharingNet as KerasHardSharingNet
from mtl_lessons.keras import fit as keras_fit
from mtl_lessons.keras.losses import masked_task_loss
from mtl_lessons.torch import FixedWeights, HardSharingNet, evaluate, fit, task_loss


@pytest.fixture(scope="module")
def related():
    return related_tasks(n_train=60, n_val=20, n_test=20, dim=6, p=0.8, seed=0)


@pytest.fixture(scope="module")
def parts(related):
    """Task 1 labelled on 20 examples, task 2 on 60 others: two data sets of different sizes."""
    one = select_tasks(related, ["task1"]).with_train_size(20)
    other = related_tasks(n_train=60, n_val=20, n_test=20, dim=6, p=0.8, seed=1)
    return MultiTaskData.from_parts(one, select_tasks(other, ["task2"]))


def test_from_parts_stacks_the_examples_and_marks_the_other_tasks_missing(parts):
    assert len(parts.train) == 80 and len(parts.val) == 40
    assert np.isnan(parts.train.y["task2"][:20]).all() and np.isnan(parts.train.y["task1"][20:]).all()
    assert list(parts.task_rows("task1")) == list(range(20))
    assert list(parts.task_rows("task2", "val")) == list(range(20, 40))
    assert not parts.fully_labelled("task1") and parts.info["part_sizes"]["train"] == [20, 60]


def test_from_parts_fills_a_missing_class_with_missing_class():
    digits = digit_pairs(n_train=40, n_val=20, n_test=20, seed=0)
    joined = MultiTaskData.from_parts(select_tasks(digits, ["left"]), select_tasks(digits, ["right"]))
    assert (joined.train.y["right"][:40] == MISSING_CLASS).all()
    assert joined.n_classes == digits.n_classes


def tiny(kind, task="t"):
    """Four examples of two features labelled for one task of ``kind``, in every split."""
    split = Split(np.zeros((4, 2), np.float32), {task: np.array([0, 1, 0, 1])})
    return MultiTaskData(split, split, split, {task: kind}, {task: 2} if kind == "classification" else {})


def test_from_parts_refuses_parts_that_disagree(related):
    with pytest.raises(ValueError, match="share one input shape"):
        MultiTaskData.from_parts(related, tiny("regression"))
    with pytest.raises(ValueError, match="task 't' is not the same kind of task"):
        MultiTaskData.from_parts(tiny("regression"), tiny("classification"))
    with pytest.raises(TypeError, match="takes one or more MultiTaskData"):
        MultiTaskData.from_parts(tiny("regression"), "not data")


def test_a_task_needs_a_label_in_every_split(related):
    y = {t: v.copy() for t, v in related.val.y.items()}
    y["task1"][:] = np.nan
    with pytest.raises(ValueError, match="task 'task1' has no labelled example in the val split"):
        MultiTaskData(related.train, Split(related.val.x, y), related.test, related.kinds)


def test_class_labels_outside_the_classes_are_still_refused():
    digits = digit_pairs(n_train=40, n_val=20, n_test=20, seed=0)
    y = {t: v.copy() for t, v in digits.train.y.items()}
    y["left"][0] = -1
    with pytest.raises(ValueError, match="integers from 0 to 9, or MISSING_CLASS"):
        MultiTaskData(Split(digits.train.x, y), digits.val, digits.test, digits.kinds, digits.n_classes)


def test_torch_losses_average_over_the_labelled_targets_only():
    out = torch.tensor([1.0, 2.0, 3.0, 4.0])
    target = torch.tensor([1.5, float("nan"), 2.0, float("nan")])
    assert task_loss(out, target, "regression").item() == pytest.approx((0.25 + 1.0) / 2)
    logits = torch.randn(4, 3)
    labels = torch.tensor([2, MISSING_CLASS, 0, MISSING_CLASS])
    by_hand = -(torch.log_softmax(logits, 1)[[0, 2], [2, 0]]).mean()
    assert task_loss(logits, labels, "classification").item() == pytest.approx(by_hand.item(), rel=1e-6)


def test_keras_masked_loss_matches_the_hand_written_one():
    out = np.array([1.0, 2.0, 3.0, 4.0], np.float32)
    target = np.array([1.5, np.nan, 2.0, np.nan], np.float32)
    assert float(masked_task_loss(out, target, "regression")) == pytest.approx(0.625)
    logits = np.random.default_rng(0).normal(size=(4, 3)).astype(np.float32)
    labels = np.array([2, MISSING_CLASS, 0, MISSING_CLASS])
    log_p = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    assert float(masked_task_loss(logits, labels, "classification")) == pytest.approx(
        -(log_p[0, 2] + log_p[2, 0]) / 2, rel=1e-5)
    assert float(masked_task_loss(out, np.full(4, np.nan, np.float32), "regression")) == 0.0


def test_torch_fit_takes_the_steps_of_a_hand_written_masked_loss(parts):
    set_seed(0)
    model = HardSharingNet(parts.input_shape, parts.output_sizes(), hidden=(8,))
    twin = copy.deepcopy(model)
    fit(model, parts, epochs=3, batch_size=None, lr=1e-2, optimizer="sgd", progress=False)
    x = torch.as_tensor(parts.train.x)
    step = torch.optim.SGD(twin.parameters(), lr=1e-2)
    for _ in range(3):
        out = twin(x)
        loss = 0
        for task in parts.tasks:  # the mean squared error over the task's labelled rows only
            rows = parts.task_rows(task)
            target = torch.as_tensor(parts.train.y[task][rows])
            loss = loss + ((out[task][rows] - target) ** 2).mean()
        step.zero_grad()
        loss.backward()
        step.step()
    for a, b in zip(model.parameters(), twin.parameters(), strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


def test_torch_metrics_score_each_task_on_its_own_examples(parts):
    set_seed(0)
    model = HardSharingNet(parts.input_shape, parts.output_sizes(), hidden=(8,))
    scores = evaluate(model, parts, "val")
    with torch.no_grad():
        out = model(torch.as_tensor(parts.val.x))
    for task in parts.tasks:
        rows = parts.task_rows(task, "val")
        expected = ((out[task][rows].numpy() - parts.val.y[task][rows]) ** 2).mean()
        assert scores[task] == pytest.approx(float(expected), rel=1e-5)


class Spy(FixedWeights):
    """Fixed weights that remember which tasks each step trained."""

    def __init__(self):
        super().__init__()
        self.steps = []

    def combine(self, losses):
        self.steps.append(tuple(losses))
        return super().combine(losses)


def test_a_batch_without_a_label_for_a_task_leaves_it_out_of_the_step(related):
    y = {t: v.copy() for t, v in related.train.y.items()}
    y["task2"][1:] = np.nan  # task 2 labelled on one training example
    data = MultiTaskData(Split(related.train.x, y), related.val, related.test, related.kinds)
    spy = Spy()
    history = fit(HardSharingNet(6, data.output_sizes(), hidden=(4,)), data, epochs=2, batch_size=10,
                  weighting=spy, progress=False, seed=0)
    assert len(spy.steps) == 12 and spy.steps.count(("task1", "task2")) == 2  # one batch per epoch
    assert set(spy.steps) == {("task1",), ("task1", "task2")}
    assert np.isfinite(history.train_loss["task2"]).all()


def test_alternating_walks_each_task_over_its_own_examples_in_turn(parts):
    spy = Spy()
    fit(HardSharingNet(6, parts.output_sizes(), hidden=(4,)), parts, epochs=1, batch_size=10,
        schedule="alternating", weighting=spy, progress=False, seed=0)
    assert spy.steps == [("task1",), ("task2",)] * 6  # task 1's 20 examples are walked three times


def test_temperature_samples_the_tasks_in_proportion_to_their_sizes(parts):
    spy = Spy()
    fit(HardSharingNet(6, parts.output_sizes(), hidden=(4,)), parts, epochs=50, batch_size=10,
        schedule="alternating", temperature=1.0, weighting=spy, progress=False, seed=0)
    assert len(spy.steps) == 50 * (2 + 6)
    assert spy.steps.count(("task1",)) / len(spy.steps) == pytest.approx(0.25, abs=0.03)


def test_temperature_needs_the_alternating_schedule(parts):
    with pytest.raises(ValueError, match="temperature chooses the task of each alternating step"):
        fit(HardSharingNet(6, parts.output_sizes(), hidden=(4,)), parts, epochs=1, temperature=2.0,
            progress=False)


def test_keras_fit_takes_the_steps_of_a_hand_written_masked_loss(parts):
    keras.utils.set_random_seed(0)
    model = KerasHardSharingNet(parts.input_shape, parts.output_sizes(), (8,))
    twin = keras.models.clone_model(model)
    twin.set_weights(model.get_weights())
    keras_fit(model, parts, epochs=3, batch_size=None, lr=1e-2, optimizer="sgd", progress=False)
    step = keras.optimizers.SGD(learning_rate=1e-2)
    for _ in range(3):
        with tf.GradientTape() as tape:
            out = twin(parts.train.x, training=True)
            loss = 0.0
            for task in parts.tasks:
                rows = parts.task_rows(task)
                loss += tf.reduce_mean((tf.gather(out[task], rows) - parts.train.y[task][rows]) ** 2)
        grads = tape.gradient(loss, twin.trainable_variables)
        step.apply_gradients(zip(grads, twin.trainable_variables, strict=True))
    for a, b in zip(model.get_weights(), twin.get_weights(), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


class RecordingSGD(keras.optimizers.SGD):
    """SGD that notes, when a step is traced, which variables the step updates."""

    traced: list

    def apply_gradients(self, grads_and_vars):
        grads_and_vars = list(grads_and_vars)
        self.traced.append({v.path for _, v in grads_and_vars})
        return super().apply_gradients(grads_and_vars)


def test_keras_alternating_steps_update_the_trunk_and_their_own_head_only(parts):
    keras.utils.set_random_seed(0)
    model = KerasHardSharingNet(parts.input_shape, parts.output_sizes(), (8,))
    sgd = RecordingSGD(learning_rate=1e-2)
    sgd.traced = []
    history = keras_fit(model, parts, epochs=2, batch_size=10, schedule="alternating", optimizer=sgd,
                        progress=False)
    assert all(np.isfinite(history.train_loss[t]).all() for t in parts.tasks)
    everything = {v.path for v in model.trainable_variables}
    assert len(sgd.traced) == 2 and all(updated < everything for updated in sgd.traced)
    one, other = sgd.traced
    assert one | other == everything and one & other  # each its head, both the shared trunk


def test_early_stopping_watches_a_validation_loss_over_the_labelled_examples(parts):
    set_seed(0)
    history = fit(HardSharingNet(6, parts.output_sizes(), hidden=(8,)), parts, epochs=30, batch_size=None,
                  lr=3e-2, early_stopping=3, progress=False)
    keras.utils.set_random_seed(0)
    keras_history = keras_fit(KerasHardSharingNet(parts.input_shape, parts.output_sizes(), (8,)), parts,
                              epochs=30, batch_size=None, lr=3e-2, early_stopping=3, progress=False)
    for run in (history, keras_history):
        assert all(np.isfinite(run.val_loss[t]).all() for t in parts.tasks)
        assert run.best_epoch is not None


def test_a_task_that_no_step_of_an_epoch_trained_records_nan_and_training_goes_on(related):
    tiny = select_tasks(related, ["task1"]).with_train_size(1)  # one example: drawn with p = 1/61 per step
    data = MultiTaskData.from_parts(tiny, select_tasks(related, ["task2"]))
    for train in (fit, keras_fit):
        model = (HardSharingNet(6, data.output_sizes(), hidden=(4,)) if train is fit
                 else KerasHardSharingNet(data.input_shape, data.output_sizes(), (4,)))
        history = train(model, data, epochs=3, batch_size=60, schedule="alternating", temperature=1.0,
                        progress=False, seed=0)
        losses = np.array(history.train_loss["task1"])
        assert np.isnan(losses).any() and np.isfinite(history.train_loss["task2"]).all()
