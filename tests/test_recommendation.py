"""The click log and ESMM: shapes, determinism, the selection bias, the model's arithmetic."""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from mtl_lessons.data import (
    CLASSIFICATION,
    MISSING_CLASS,
    click_log,
    clicked_labels,
    clicked_only,
    item_clicks,
    related_tasks,
    true_rates,
)
from mtl_lessons.torch import CVRNet, ESMMNet, HardSharingNet, fit, positive_probabilities


def small_log(seed=0, **kwargs):
    sizes = {"n_train": 400, "n_val": 100, "n_test": 300, "n_users": 5, "n_items": 12} | kwargs
    return click_log(seed=seed, **sizes)


# ---------------------------------------------------------------- the generator


def test_click_log_shapes_kinds_and_labels():
    data = small_log()
    assert data.tasks == ("click", "conversion")
    assert all(data.kinds[t] == CLASSIFICATION for t in data.tasks)
    assert data.output_sizes() == {"click": 2, "conversion": 2}
    assert data.train.x.shape == (400, 17) and data.train.x.dtype == np.float32
    assert np.all(data.train.x.sum(axis=1) == 2)  # one user id and one item id per row
    assert len(data.val) == 100 and len(data.test) == 300
    for split in (data.train, data.val, data.test):
        assert np.all(split.y["conversion"] <= split.y["click"])  # no conversion without a click
    truth = data.info["truth"]["test"]
    assert set(truth) == {"pctr", "pcvr", "buy", "user", "item"}
    assert all(len(v) == 300 for v in truth.values())
    assert np.array_equal(data.test.y["conversion"], data.test.y["click"] * truth["buy"])
    user = data.test.x[:, :5].argmax(1)
    item = data.test.x[:, 5:].argmax(1)
    assert np.array_equal(user, truth["user"]) and np.array_equal(item, truth["item"])


def test_click_log_is_deterministic_by_seed():
    a, b, c = small_log(3), small_log(3), small_log(4)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    np.testing.assert_array_equal(a.test.y["conversion"], b.test.y["conversion"])
    np.testing.assert_array_equal(a.info["truth"]["val"]["pcvr"], b.info["truth"]["val"]["pcvr"])
    assert not np.array_equal(a.train.x, c.train.x)


def test_the_selection_bias_is_real():
    data = click_log(n_train=100, n_val=10, n_test=20000, seed=1)
    truth, clicked = data.info["truth"]["test"], data.test.y["click"] == 1
    assert truth["pcvr"][clicked].mean() < truth["pcvr"][~clicked].mean() - 0.05
    assert np.corrcoef(data.info["appeal"], data.info["quality"])[0, 1] < -0.5
    no_conflict = click_log(n_train=100, n_val=10, n_test=20000, conflict=0.0, seed=1)
    truth, clicked = no_conflict.info["truth"]["test"], no_conflict.test.y["click"] == 1
    assert truth["pcvr"][clicked].mean() > truth["pcvr"][~clicked].mean()  # the shared match wins then


@pytest.mark.parametrize("kwargs, message", [
    ({"n_users": 1}, "n_users"), ({"conflict": 1.5}, "conflict"), ({"item_scale": -1.0}, "item_scale"),
    ({"n_train": 0}, "n_train"), ({"dim": 0}, "dim"),
])
def test_click_log_rejects_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        small_log(**kwargs)
    with pytest.raises(TypeError, match="seed"):
        click_log(seed=1.5)


def test_clicked_only_true_rates_and_item_clicks():
    data = small_log(2)
    clicked = clicked_only(data)
    assert clicked.tasks == ("cvr",) and clicked.output_sizes() == {"cvr": 2}
    n_clicks = int(data.train.y["click"].sum())
    assert len(clicked.train) == n_clicks
    rows = data.train.y["click"] == 1
    np.testing.assert_array_equal(clicked.train.x, data.train.x[rows])
    np.testing.assert_array_equal(clicked.train.y["cvr"], data.train.y["conversion"][rows])
    rates = true_rates(data, "val")
    np.testing.assert_allclose(rates["pctcvr"], rates["pctr"] * rates["pcvr"])
    counts = item_clicks(data)
    assert counts.shape == (12,) and counts.sum() == n_clicks
    with pytest.raises(ValueError, match="click log"):
        clicked_only(related_tasks(n_train=10, n_val=5, n_test=5, dim=3))
    with pytest.raises(ValueError, match="click_log"):
        true_rates(related_tasks(n_train=10, n_val=5, n_test=5, dim=3))
    with pytest.raises(ValueError, match="split"):
        item_clicks(data, "everything")


# ---------------------------------------------------------------- the models (the AUC: test_metrics.py)


def test_esmm_heads_are_the_logits_of_pctr_and_pctcvr():
    torch.manual_seed(0)
    model = ESMMNet(17, embedding=4, tower_hidden=(5,))
    x = torch.as_tensor(small_log().test.x[:50])
    out = model(x)
    assert set(out) == {"click", "conversion"} and out["click"].shape == (50, 2)
    ctr, cvr = model.tower_logits(x)
    pctr, pcvr = torch.sigmoid(ctr), torch.sigmoid(cvr)
    torch.testing.assert_close(torch.softmax(out["click"], 1)[:, 1], pctr)
    torch.testing.assert_close(torch.softmax(out["conversion"], 1)[:, 1], pctr * pcvr)
    torch.testing.assert_close(out["conversion"].exp().sum(1), torch.ones(50))  # they are log-probabilities
    labels = torch.randint(0, 2, (50,))
    torch.testing.assert_close(F.cross_entropy(out["conversion"], labels),
                               F.binary_cross_entropy(pctr * pcvr, labels.float()))
    rates = model.rates(x.numpy())
    np.testing.assert_allclose(rates["pctcvr"], (pctr * pcvr).detach().numpy(), rtol=1e-5)
    assert set(model(x, task="click")) == {"click"}
    shared = {p.data_ptr() for p in model.shared_parameters()}
    assert shared == {p.data_ptr() for p in model.embedding.parameters()}


def test_esmm_stays_finite_for_tiny_probabilities():
    model = ESMMNet(3, embedding=2, tower_hidden=())
    with torch.no_grad():
        for tower in (model.ctr_tower, model.cvr_tower):
            tower[-1].bias.fill_(-60.0)
    out = model(torch.zeros(4, 3))
    assert torch.isfinite(out["conversion"]).all() and torch.isfinite(out["click"]).all()
    assert torch.allclose(out["conversion"][:, 0], torch.zeros(4), atol=1e-12)  # log(1 - p) = 0


def test_esmm_and_cvr_net_train_with_fit():
    data = small_log(5)
    model = ESMMNet(data.input_shape, embedding=4, tower_hidden=(4,))
    history = fit(model, data, epochs=3, batch_size=None, lr=0.05, seed=0, progress=False, eval_splits=())
    assert history.train_loss["conversion"][-1] < history.train_loss["conversion"][0]
    naive = CVRNet(data.input_shape, embedding=4, tower_hidden=(4,))
    fit(naive, clicked_only(data), epochs=2, batch_size=None, lr=0.05, seed=0, progress=False, eval_splits=())
    pcvr = naive.rates(data.test.x)["pcvr"]
    assert pcvr.shape == (300,) and np.all((pcvr > 0) & (pcvr < 1))
    np.testing.assert_allclose(positive_probabilities(naive, data.test.x)["cvr"], pcvr, rtol=1e-5)


def test_positive_probabilities_and_argument_errors():
    data = small_log()
    model = HardSharingNet(data.input_shape, data.output_sizes(), hidden=(4,))
    p = positive_probabilities(model, data.test.x)
    assert set(p) == {"click", "conversion"} and all(v.shape == (300,) for v in p.values())
    with pytest.raises(ValueError, match="no two-class head"):
        positive_probabilities(HardSharingNet(3, {"y": 1}, hidden=(2,)), np.zeros((2, 3), np.float32))
    with pytest.raises(TypeError, match="multi-task networks"):
        positive_probabilities(torch.nn.Linear(3, 2), np.zeros((2, 3), np.float32))
    with pytest.raises(ValueError, match="two different tasks"):
        ESMMNet(3, tasks=("click", "click"))
    with pytest.raises(ValueError, match="embedding"):
        ESMMNet(3, embedding=0)
    with pytest.raises(ValueError, match="expects inputs of 3 features"):
        ESMMNet(3)(torch.zeros(2, 4))


def test_clicked_labels_keep_every_exposure_and_the_cvr_label_where_clicked():
    log = small_log()
    labelled = clicked_labels(log)
    for name in ("train", "val", "test"):
        part, source = getattr(labelled, name), getattr(log, name)
        clicked = source.y["click"] == 1
        assert len(part) == len(source) and np.array_equal(part.y["click"], source.y["click"])
        assert np.array_equal(part.y["cvr"][clicked], source.y["conversion"][clicked])
        assert (part.y["cvr"][~clicked] == MISSING_CLASS).all()
    assert labelled.kinds == {"click": CLASSIFICATION, "cvr": CLASSIFICATION}
    with pytest.raises(ValueError, match="must be a click log"):
        clicked_labels(related_tasks(n_train=8, n_val=4, n_test=4, seed=0))


def test_esmm_without_the_entire_space_outputs_pcvr_on_its_second_head():
    log = clicked_labels(small_log())
    torch.manual_seed(0)
    model = ESMMNet(log.input_shape, 8, (8,), tasks=("click", "cvr"), entire_space=False)
    x = torch.as_tensor(log.test.x[:50], dtype=torch.float32)
    with torch.no_grad():
        cvr = F.softmax(model(x)["cvr"], dim=1)[:, 1].numpy()
    np.testing.assert_allclose(cvr, model.rates(log.test.x[:50])["pcvr"], rtol=1e-5)
    history = fit(model, log, epochs=2, batch_size=256, progress=False, seed=0)
    assert np.isfinite(history.val_metric["cvr"]).all()
    with pytest.raises(TypeError, match="entire_space must be True or False"):
        ESMMNet(log.input_shape, entire_space="no")
