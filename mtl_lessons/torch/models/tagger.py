"""A sequence tagger after Collobert and Weston (2008): word vectors, a window encoder, a head per task.

Every token is embedded (the lookup table), an encoder mixes each token with its neighbours (a 1-D
convolution over a window of words, or a bidirectional GRU), and each task's head, a linear layer
applied at every position, turns the result into tag logits of shape ``(n, tags, seq_len)``.
With ``shared=True`` the embedding and the encoder serve every task (hard sharing); with
``shared=False`` each task has its own, which is single-task learning in one module.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

from mtl_lessons._checks import check_choice, check_float, check_int
from mtl_lessons.torch.models.common import MultiTaskNet

ENCODERS = ("conv", "gru")


class _BiGRU(nn.Module):
    """A bidirectional GRU: embeddings ``(n, seq_len, features)`` -> ``(n, hidden, seq_len)``."""

    def __init__(self, features: int, hidden: int) -> None:
        super().__init__()
        self.gru = nn.GRU(features, hidden // 2, batch_first=True, bidirectional=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.gru(x)[0].transpose(1, 2)


class _WindowConv(nn.Module):
    """A 1-D convolution over ``window`` consecutive words, then ReLU: ``(n, seq_len, features)`` ->
    ``(n, hidden, seq_len)`` (channels first, the layout of ``Conv1d`` and of the tag logits)."""

    def __init__(self, features: int, hidden: int, window: int) -> None:
        super().__init__()
        self.conv = nn.Conv1d(features, hidden, window, padding=window // 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.conv(x.transpose(1, 2)))


class _Encoder(nn.Sequential):
    """Embedding, dropout and the encoder: token ids ``(n, seq_len)`` -> features ``(n, hidden, seq_len)``."""


class SequenceTaggerNet(MultiTaskNet):
    """Tags every token of a sentence for each task: embedding, encoder, one linear head per task.

    ``input_shape`` is ``(seq_len,)`` (token ids, ``int64``), ``vocab_size`` the number of token
    ids, ``heads`` ``{task: number of tags}``. ``encoder="conv"`` looks at ``window`` words
    around each token (Collobert and Weston's window), ``"gru"`` at the whole sentence.
    ``shared=True`` shares the embedding and the encoder between the tasks; ``shared=False`` gives
    each task its own (the single-task baseline). ``forward`` returns ``{task: logits}`` of shape
    ``(n, tags, seq_len)``, as the book's cross-entropy expects for dense labels ``(n, seq_len)``.
    """

    def __init__(
        self,
        input_shape: int | Sequence[int],
        vocab_size: int,
        heads: Mapping[str, int],
        embed_dim: int = 32,
        hidden: int = 64,
        encoder: str = "conv",
        window: int = 5,
        shared: bool = True,
        dropout: float = 0.0,
    ) -> None:
        super().__init__(input_shape, heads)
        self.vocab_size = check_int("vocab_size", vocab_size, minimum=2)
        embed_dim = check_int("embed_dim", embed_dim, minimum=1)
        hidden = check_int("hidden", hidden, minimum=2 if encoder == "gru" else 1)
        self.encoder_kind = check_choice("encoder", encoder, ENCODERS)
        window = check_int("window", window, minimum=1)
        if window % 2 == 0:
            raise ValueError(f"window must be odd, so that it is centred on the token; got {window}")
        if encoder == "gru" and hidden % 2:
            raise ValueError(f"a bidirectional GRU splits hidden between two directions; give an even "
                             f"hidden, got {hidden}")
        dropout = check_float("dropout", dropout, minimum=0.0, maximum=0.9)
        if not isinstance(shared, bool):
            raise TypeError(f"shared must be True or False; got {shared!r}")
        self.shared = shared

        def make_encoder() -> nn.Module:
            body = _WindowConv(embed_dim, hidden, window) if encoder == "conv" else _BiGRU(embed_dim, hidden)
            return _Encoder(nn.Embedding(self.vocab_size, embed_dim), nn.Dropout(dropout), body)

        if shared:
            self.encoder = make_encoder()
        else:
            self.encoders = nn.ModuleDict({task: make_encoder() for task in self.heads_units})
        # a linear layer applied at every position, written as a convolution of width 1
        self.heads = nn.ModuleDict({task: nn.Conv1d(hidden, units, 1)
                                    for task, units in self.heads_units.items()})

    def shared_parameters(self) -> list[nn.Parameter]:
        """The embedding and the encoder when they are shared; nothing otherwise."""
        return list(self.encoder.parameters()) if self.shared else []

    def representation_module(self) -> nn.Module | None:
        """The shared encoder, whose per-token features every head reads (None when not shared)."""
        return self.encoder if self.shared else None

    def check_input(self, x: torch.Tensor, task: str | None = None) -> tuple[str, ...]:
        """Token ids ``(n, seq_len)`` of an integer type, below ``vocab_size``; else a clear error."""
        tasks = super().check_input(x, task)
        if x.ndim != 2 or x.is_floating_point() or x.is_complex():
            raise ValueError(f"the tagger takes token ids, integers of shape (n, seq_len); got a "
                             f"{x.dtype} tensor of shape {tuple(x.shape)}")
        if x.numel() and (int(x.min()) < 0 or int(x.max()) >= self.vocab_size):
            raise ValueError(f"token ids must lie in 0..{self.vocab_size - 1}; got values from "
                             f"{int(x.min())} to {int(x.max())}")
        return tasks

    def forward(self, x: torch.Tensor, task: str | None = None) -> dict[str, torch.Tensor]:
        """Tag logits ``(n, tags, seq_len)`` of every head, or of the one named by ``task``."""
        tasks = self.check_input(x, task)
        x = x.long()
        outputs = {}
        features = self.encoder(x) if self.shared else None
        for name in tasks:
            own = features if self.shared else self.encoders[name](x)
            outputs[name] = self.heads[name](own)
        return outputs

    @torch.no_grad()
    def tag(self, x: np.ndarray) -> dict[str, np.ndarray]:
        """The most likely tag id of every token, per task, as NumPy arrays ``(n, seq_len)``."""
        was_training = self.training
        self.eval()
        device = next(self.parameters()).device
        logits = self(torch.as_tensor(np.asarray(x), dtype=torch.long, device=device))
        self.train(was_training)
        return {task: out.argmax(dim=1).cpu().numpy() for task, out in logits.items()}
