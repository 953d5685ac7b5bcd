"""Networks on glyph images: readers (one 28x28 glyph, or a strip of them, to features) and image heads
(one state per answer position to a drawn 28x28 glyph)."""

from __future__ import annotations

import torch
from torch import nn

from seq2arith.data import glyph


class GlyphCNN(nn.Module):
    """(N, 28, 28) -> (N, out_features): conv blocks (3x3 conv, batch norm, 2x2 max-pool, ReLU: the same numbers as
    ReLU before the pool, on a quarter of the pixels), then a hidden dense layer."""

    def __init__(self, conv_layers: int, conv_filters: int, out_features: int) -> None:
        super().__init__()
        blocks, channels = [], 1
        for i in range(conv_layers):
            width = conv_filters * 2**i
            blocks += [nn.Conv2d(channels, width, 3, padding=1), nn.BatchNorm2d(width), nn.MaxPool2d(2), nn.ReLU()]
            channels = width
        side = glyph.SIDE // 2**conv_layers
        self.features = nn.Sequential(*blocks, nn.Flatten())
        self.head = nn.Sequential(nn.Linear(channels * side * side, 128), nn.ReLU(), nn.Dropout(0.25),
                                  nn.Linear(128, out_features))
        self.features.to(memory_format=torch.channels_last)  # the layout CPU convolutions run fastest in

    def forward(self, images: torch.Tensor) -> torch.Tensor:
        return self.head[2:](self.hidden(images))

    def hidden(self, images: torch.Tensor) -> torch.Tensor:
        """(N, 28, 28) -> (N, 128): the hidden dense layer's activations (the features a Fréchet distance reads)."""
        return self.head[:2](self.features(images.unsqueeze(1).contiguous(memory_format=torch.channels_last)))


class TimeDistributed(nn.Module):
    """Apply a module on glyphs ((N, 28, 28) -> (N, F)) to every glyph of a strip: (B, T, 28, 28) -> (B, T, F)."""

    def __init__(self, module: nn.Module) -> None:
        super().__init__()
        self.module = module

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        batch, steps = strip.shape[:2]
        return self.module(strip.reshape(batch * steps, glyph.SIDE, glyph.SIDE)).reshape(batch, steps, -1)


class ConvLSTM(nn.Module):
    """A convolutional LSTM over the strip (report Table 2): (B, T, 28, 28) -> (B, T, F) pooled states."""

    def __init__(self, filters: int, out_features: int) -> None:
        super().__init__()
        self.filters = filters
        self.gates = nn.Conv2d(1 + filters, 4 * filters, 3, padding=1)
        self.project = nn.Sequential(nn.AdaptiveAvgPool2d(7), nn.Flatten(), nn.Linear(filters * 49, out_features))

    def forward(self, strip: torch.Tensor) -> torch.Tensor:
        batch, steps = strip.shape[:2]
        h = strip.new_zeros(batch, self.filters, glyph.SIDE, glyph.SIDE)
        c = torch.zeros_like(h)
        outputs = []
        for t in range(steps):
            i, f, g, o = self.gates(torch.cat([strip[:, t, None], h], dim=1)).chunk(4, dim=1)
            c = f.sigmoid() * c + i.sigmoid() * g.tanh()
            h = o.sigmoid() * c.tanh()
            outputs.append(self.project(h))  # (B, F)
        return torch.stack(outputs, dim=1)


class StyleEncoder(nn.Module):
    """A conditional VAE's encoder: glyphs (B, T, 28, 28) and what each must show (B, T, F) -> the mean and log
    variance of each glyph's style, (B, T, size) each."""

    def __init__(self, conditions: int, size: int, units: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(glyph.SIDE * glyph.SIDE + conditions, units), nn.ReLU(),
                                    nn.Linear(units, 2 * size))

    def forward(self, glyphs: torch.Tensor, conditions: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        mean, log_variance = self.layers(torch.cat([glyphs.flatten(-2), conditions], -1)).chunk(2, -1)
        return mean, log_variance


class DenseImageHead(nn.Module):
    """Time-distributed Dense(units, relu) -> Dense(784, sigmoid), as the report's Figure 10."""

    def __init__(self, in_features: int, units: int) -> None:
        super().__init__()
        self.layers = nn.Sequential(nn.Linear(in_features, units), nn.ReLU(), nn.Linear(units, glyph.SIDE * glyph.SIDE))

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        """(B, T, F) -> (B, T, 28, 28) logits (sigmoid gives pixels)."""
        return self.layers(steps).unflatten(-1, (glyph.SIDE, glyph.SIDE))


class ConvTransposeImageHead(nn.Module):
    """Project to 7x7 feature maps, then two stride-2 transposed convolutions (report Figure 7)."""

    def __init__(self, in_features: int, units: int) -> None:
        super().__init__()
        self.project = nn.Linear(in_features, units * 7 * 7)
        self.upsample = nn.Sequential(
            nn.ReLU(), nn.ConvTranspose2d(units, units // 2, 4, stride=2, padding=1),  # 7 -> 14
            nn.ReLU(), nn.ConvTranspose2d(units // 2, 1, 4, stride=2, padding=1),  # 14 -> 28
        )

    def forward(self, steps: torch.Tensor) -> torch.Tensor:
        batch, width = steps.shape[:2]
        maps = self.project(steps).reshape(batch * width, -1, 7, 7)
        return self.upsample(maps).reshape(batch, width, glyph.SIDE, glyph.SIDE)
