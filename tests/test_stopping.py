"""Early stopping: its rule on hand-made sequences, and both ``fit`` functions stopping and restoring."""

import numpy as np
import pytest
import torch

from mtl_lessons import set_seed
from mtl_lessons.data import digit_pairs, related_tasks
from mtl_lessons.history import History
from mtl_lessons.stopping import EarlyStopping
from mtl_lessons.torch import HardSharingNet, UncertaintyWeighting, evaluate, fit

KINDS = {"a": "regression", "b": "regression", "c": "classification"}
# overfits fast: 32 training rows, full batch, a high learning rate
SETTINGS = dict(epochs=300, batch_size=None, lr=3e-2, seed=0, progress=False)


def run(stopper, values, monitor_losses=True):
    """Feed ``values`` (one per evaluation, epochs 1, 2, ...) to ``stopper``; return (improved, stop) each."""
    stopper.start(KINDS)
    steps = []
    for epoch, value in enumerate(values, start=1):
        losses = {"a": value, "b": 0.0, "c": 0.0} if monitor_losses else {t: 9.0 for t in KINDS}
        metrics = {"a": value, "b": value, "c": value}
        steps.append((stopper.update(epoch, losses, metrics), stopper.stop))
    return steps


def test_patience_counts_evaluations_without_improvement():
    stopper = EarlyStopping(patience=3)
    steps = run(stopper, [3.0, 2.0, 2.5, 2.0, 2.6])  # an equal value is no improvement
    assert [improved for improved, _ in steps] == [True, True, False, False, False]
    assert [stop for _, stop in steps] == [False, False, False, False, True]
    assert stopper.best_epoch == 2 and stopper.best_value == 2.0 and stopper.wait == 3


def test_loss_monitor_sums_the_tasks_losses_with_weight_one():
    stopper = EarlyStopping(patience=1).start(KINDS)
    assert stopper.update(1, {"a": 1.0, "b": 2.0, "c": 0.5}, {}) and stopper.best_value == 3.5
    assert stopper.update(2, {"a": 0.4, "b": 2.5, "c": 0.5}, {})  # b got worse, the sum better: 3.4
    assert not stopper.update(3, {"a": 0.1, "b": 3.0, "c": 0.5}, {}) and stopper.stop


def test_min_delta_needs_an_improvement_larger_than_it():
    stopper = EarlyStopping(patience=5, min_delta=0.1)
    steps = run(stopper, [1.0, 0.95, 0.85, 0.84, 0.7])
    assert [improved for improved, _ in steps] == [True, False, True, False, True]
    assert stopper.best_epoch == 5 and stopper.wait == 0


def test_a_regression_metric_is_minimised_an_accuracy_maximised():
    values = [0.5, 0.7, 0.6, 0.7, 0.8, 0.75]
    up = EarlyStopping(patience=2, monitor="c")
    assert [i for i, _ in run(up, values, monitor_losses=False)] == [True, True, False, False, True, False]
    assert up.maximize and up.best_epoch == 5
    down = EarlyStopping(patience=2, monitor="b")
    assert [i for i, _ in run(down, values, monitor_losses=False)] == [True] + [False] * 5
    assert not down.maximize and down.best_epoch == 1


def test_start_forgets_the_previous_run():
    stopper = EarlyStopping(patience=1)
    run(stopper, [1.0, 2.0])
    assert stopper.stop
    stopper.start(KINDS)
    assert (stopper.best_epoch, stopper.best_value, stopper.wait, stopper.stop) == (None, None, 0, False)


@pytest.mark.parametrize(("evaluated", "best", "stopped", "restored"), [
    ([2, 4, 6], 2, 6, True),       # stopped early, the best was earlier: put back
    ([2, 4, 10], 10, None, False),  # ran all 10 epochs, the last was the best: nothing to put back
])
def test_finish_records_the_end_of_the_run(evaluated, best, stopped, restored):
    history = History(dict(KINDS))
    for epoch in evaluated:
        history.record_evaluation(epoch, "val", {t: 0.0 for t in KINDS}, {t: 0.0 for t in KINDS})
    stopper = EarlyStopping(patience=2).start(KINDS)
    stopper.best_epoch = best
    assert stopper.finish(history, epochs=10) is restored
    assert (history.stopped_epoch, history.best_epoch, history.restored) == (stopped, best, restored)
    kept = EarlyStopping(patience=2, restore_best=False).start(KINDS)
    kept.best_epoch = best
    assert not kept.finish(history, epochs=10) and not history.restored


@pytest.mark.parametrize(("kwargs", "error", "words"), [
    (dict(patience=0), ValueError, "patience must be >= 1"),
    (dict(patience=-2), ValueError, "patience must be >= 1"),
    (dict(patience=2.5), TypeError, "patience must be an integer"),
    (dict(patience=True), TypeError, "patience must be an integer"),
    (dict(patience=2, min_delta=-0.1), ValueError, "min_delta must be >= 0"),
    (dict(patience=2, monitor=3), TypeError, "monitor must be 'loss' or a task name"),
    (dict(patience=2, restore_best="yes"), TypeError, "restore_best must be True or False"),
])
def test_bad_settings_are_refused(kwargs, error, words):
    with pytest.raises(error, match=words):
        EarlyStopping(**kwargs)


def test_bad_evaluations_are_refused():
    with pytest.raises(RuntimeError, match="start"):
        EarlyStopping(2).update(1, {"a": 1.0}, {})
    with pytest.raises(ValueError, match="monitor must be 'loss' or one of the tasks"):
        EarlyStopping(2, monitor="d").start(KINDS)
    with pytest.raises(ValueError, match="missing \\['c'\\]"):
        EarlyStopping(2).start(KINDS).update(1, {"a": 1.0, "b": 1.0}, {})
    with pytest.raises(ValueError, match="must be finite"):
        EarlyStopping(2).start(KINDS).update(1, {"a": float("nan"), "b": 1.0, "c": 1.0}, {})


# PyTorch ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def small():
    return related_tasks(n_train=32, n_val=64, n_test=64, dim=20, seed=0)


def torch_net(data, seed=0):
    set_seed(seed)
    return HardSharingNet(data.input_shape, data.output_sizes(), (32, 32), 1)


def test_torch_fit_stops_early_and_restores_the_best_evaluation(small):
    model = torch_net(small)
    history = fit(model, small, early_stopping=3, **SETTINGS)
    total = np.sum([history.val_loss[t] for t in small.tasks], axis=0)  # the monitored sum, per evaluation
    best = int(np.argmin(total))
    assert history.stopped_epoch is not None and history.stopped_epoch < SETTINGS["epochs"]
    assert history.best_epoch == history.epochs[best] and history.restored
    assert len(total) == best + 1 + 3 and history.epochs[-1] == history.stopped_epoch  # patience 3
    assert all(len(v) == history.stopped_epoch for v in history.train_loss.values())  # curves end there
    assert evaluate(model, small, "val") == pytest.approx({t: v[best] for t, v in history.val_metric.items()},
                                                          rel=1e-6)


def test_torch_restored_state_equals_a_run_of_best_epoch_epochs(small):
    """Model and learned task weights equal those of the same run trained for ``best_epoch`` epochs only."""
    model, weighting = torch_net(small), UncertaintyWeighting(small.kinds)
    history = fit(model, small, weighting=weighting, early_stopping=EarlyStopping(2), **SETTINGS)
    reference, reference_weighting = torch_net(small), UncertaintyWeighting(small.kinds)
    fit(reference, small, weighting=reference_weighting, **dict(SETTINGS, epochs=history.best_epoch))
    assert history.restored
    for restored, expected in ((model, reference), (weighting, reference_weighting)):
        for (name, value), (_, other) in zip(restored.state_dict().items(), expected.state_dict().items(),
                                             strict=True):
            assert torch.equal(value, other), name


def test_torch_val_loss_is_the_task_loss_on_the_validation_split(small):
    model = torch_net(small)
    history = fit(model, small, **dict(SETTINGS, epochs=5))
    with torch.no_grad():
        outputs = model(torch.as_tensor(small.val.x, dtype=torch.float32))
    for task in small.tasks:  # mean squared error by hand
        by_hand = np.mean((outputs[task].numpy().astype(float) - small.val.y[task]) ** 2)
        assert history.val_loss[task][-1] == pytest.approx(by_hand, rel=1e-5)
    assert (history.stopped_epoch, history.best_epoch, history.restored) == (None, None, False)


def test_torch_patience_counts_evaluations_and_an_accuracy_is_maximised():
    digits = digit_pairs(n_train=48, n_val=64, n_test=16, seed=0)
    set_seed(0)
    model = HardSharingNet(digits.input_shape, digits.output_sizes(), (32,), 1)
    history = fit(model, digits, eval_every=2, early_stopping=EarlyStopping(2, monitor="left"),
                  **dict(SETTINGS, lr=1e-2))
    accuracy = history.val_metric["left"]
    best = int(np.argmax(accuracy))  # the first evaluation of the highest accuracy
    assert history.best_epoch == history.epochs[best] and history.stopped_epoch == history.best_epoch + 2 * 2
    assert evaluate(model, digits, "val")["left"] == accuracy[best]


def test_torch_fit_refuses_bad_early_stopping(small):
    model = torch_net(small)
    with pytest.raises(ValueError, match="keep 'val' in eval_splits"):
        fit(model, small, early_stopping=3, **dict(SETTINGS, epochs=2), eval_splits=("test",))
    with pytest.raises(ValueError, match="monitor must be 'loss' or one of the tasks"):
        fit(model, small, early_stopping=EarlyStopping(3, monitor="task3"), **dict(SETTINGS, epochs=2))
    with pytest.raises(ValueError, match="patience must be >= 1"):
        fit(model, small, early_stopping=0, **dict(SETTINGS, epochs=2))
    with pytest.raises(TypeError, match="early_stopping must be None, a patience"):
        fit(model, small, early_stopping="3", **dict(SETTINGS, epochs=2))


# Keras -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keras_mtl():
    return pytest.importorskip("mtl_lessons.keras")


def keras_net(keras_mtl, data, seed=0):
    set_seed(seed)
    return keras_mtl.HardSharingNet(data.input_shape, data.output_sizes(), (32, 32), 1)


def test_keras_fit_stops_early_and_restores_the_best_evaluation(keras_mtl, small):
    model, weighting = keras_net(keras_mtl, small), keras_mtl.UncertaintyWeighting(small.kinds)
    history = keras_mtl.fit(model, small, weighting=weighting, early_stopping=3, **SETTINGS)
    total = np.sum([history.val_loss[t] for t in small.tasks], axis=0)
    best = int(np.argmin(total))
    assert history.stopped_epoch is not None and history.stopped_epoch < SETTINGS["epochs"]
    assert history.best_epoch == history.epochs[best] and history.restored and len(total) == best + 1 + 3
    assert all(len(v) == history.stopped_epoch for v in history.train_loss.values())
    assert keras_mtl.evaluate(model, small, "val") == pytest.approx(
        {t: v[best] for t, v in history.val_metric.items()}, rel=1e-6)
    # the learned task weights are put back too: equal to a run of best_epoch epochs from the same start
    reference, reference_weighting = keras_net(keras_mtl, small), keras_mtl.UncertaintyWeighting(small.kinds)
    keras_mtl.fit(reference, small, weighting=reference_weighting,
                  **dict(SETTINGS, epochs=history.best_epoch))
    for restored, expected in ((model, reference), (weighting, reference_weighting)):
        for value, other in zip(restored.get_weights(), expected.get_weights(), strict=True):
            np.testing.assert_allclose(value, other, rtol=1e-5, atol=1e-6)


def test_keras_val_loss_is_the_task_loss_on_the_validation_split(keras_mtl, small):
    model = keras_net(keras_mtl, small)
    history = keras_mtl.fit(model, small, **dict(SETTINGS, epochs=3))
    outputs = model(small.val.x, training=False)
    for task in small.tasks:
        by_hand = np.mean((np.asarray(outputs[task], dtype=float) - small.val.y[task]) ** 2)
        assert history.val_loss[task][-1] == pytest.approx(by_hand, rel=1e-5)
    assert (history.stopped_epoch, history.best_epoch, history.restored) == (None, None, False)


def test_keras_fit_refuses_bad_early_stopping(keras_mtl, small):
    model = keras_net(keras_mtl, small)
    with pytest.raises(ValueError, match="keep 'val' in eval_splits"):
        keras_mtl.fit(model, small, early_stopping=3, eval_splits=(), **dict(SETTINGS, epochs=2))
    with pytest.raises(ValueError, match="monitor must be 'loss' or one of the tasks"):
        keras_mtl.fit(model, small, early_stopping=EarlyStopping(3, monitor="task3"),
                      **dict(SETTINGS, epochs=2))
    with pytest.raises(ValueError, match="patience must be >= 1"):
        keras_mtl.fit(model, small, early_stopping=-1, **dict(SETTINGS, epochs=2))
