"""The benchmark zoo's models: torchvision classifiers and small hand-built transformer, audio and
recurrent networks (random weights, seeded; no downloads).

Each entry of ZOO maps a name to a function returning (eager model, example inputs, how): how is
"trace" or "script" (the TorchScript archive), and the eager model is also what ONNX export sees.
"""

import math
from typing import Optional

import torch
import torch.nn as nn
import torch.nn.functional as F


# ----- transformer pieces (Hugging Face-style layouts, written out by hand) -----


class SelfAttention(nn.Module):
    def __init__(self, d, heads, causal=False, sdpa=False, bias=True):
        super().__init__()
        self.h, self.dk, self.causal, self.sdpa = heads, d // heads, causal, sdpa
        self.q = nn.Linear(d, d, bias=bias)
        self.k = nn.Linear(d, d, bias=bias)
        self.v = nn.Linear(d, d, bias=bias)
        self.o = nn.Linear(d, d, bias=bias)

    def split(self, x: torch.Tensor) -> torch.Tensor:
        b, t, _ = x.shape
        return x.view(b, t, self.h, self.dk).transpose(1, 2)

    def forward(self, x: torch.Tensor, kv: Optional[torch.Tensor] = None) -> torch.Tensor:
        if kv is None:
            kv = x
        q, k, v = self.split(self.q(x)), self.split(self.k(kv)), self.split(self.v(kv))
        if self.sdpa:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=self.causal)
        else:
            s = q @ k.transpose(-1, -2) / math.sqrt(self.dk)
            if self.causal:
                t = s.shape[-1]
                mask = torch.ones(t, t, dtype=torch.bool, device=x.device).triu(1)
                s = s.masked_fill(mask, float("-inf"))
            y = s.softmax(-1) @ v
        b, _, t, _ = y.shape
        return self.o(y.transpose(1, 2).reshape(b, t, -1))


class RMSNorm(nn.Module):
    """T5's layer norm: no mean, no bias."""

    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(d) + 0.1 * torch.randn(d))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


class Block(nn.Module):
    """A transformer layer: post-LN (BERT) or pre-LN (GPT-2, Whisper), optional cross-attention."""

    def __init__(self, d, heads, ffn, pre_ln, causal=False, cross=False, act="gelu", norm="ln", sdpa=False):
        super().__init__()
        mk = (lambda: nn.LayerNorm(d)) if norm == "ln" else (lambda: RMSNorm(d))
        bias = norm == "ln"
        self.pre_ln = pre_ln
        self.attn = SelfAttention(d, heads, causal, sdpa, bias)
        self.n1 = mk()
        self.cross = SelfAttention(d, heads, False, sdpa, bias) if cross else None
        self.n2 = mk() if cross else None
        self.fc1 = nn.Linear(d, ffn, bias=bias)
        self.fc2 = nn.Linear(ffn, d, bias=bias)
        self.n3 = mk()
        self.act = nn.GELU() if act == "gelu" else nn.ReLU()

    def forward(self, x: torch.Tensor, mem: Optional[torch.Tensor] = None) -> torch.Tensor:
        if self.pre_ln:
            x = x + self.attn(self.n1(x))
            if self.cross is not None and self.n2 is not None:
                x = x + self.cross(self.n2(x), mem)
            return x + self.fc2(self.act(self.fc1(self.n3(x))))
        x = self.n1(x + self.attn(x))
        if self.cross is not None and self.n2 is not None:
            x = self.n2(x + self.cross(x, mem))
        return self.n3(x + self.fc2(self.act(self.fc1(x))))


class Bert(nn.Module):
    def __init__(self, vocab=8000, d=256, layers=4, heads=4, ffn=1024, seq=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.ln = nn.LayerNorm(d)
        self.layers = nn.ModuleList([Block(d, heads, ffn, pre_ln=False) for _ in range(layers)])
        self.pool = nn.Linear(d, d)

    def forward(self, ids):
        x = self.ln(self.tok(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device)))
        for layer in self.layers:
            x = layer(x)
        return x, torch.tanh(self.pool(x[:, 0]))


class Gpt2(nn.Module):
    def __init__(self, vocab=8000, d=256, layers=4, heads=4, seq=128):
        super().__init__()
        self.tok = nn.Embedding(vocab, d)
        self.pos = nn.Embedding(seq, d)
        self.layers = nn.ModuleList([Block(d, heads, 4 * d, pre_ln=True, causal=True) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1], device=ids.device))
        for layer in self.layers:
            x = layer(x)
        return self.ln(x) @ self.tok.weight.t()


class T5(nn.Module):
    def __init__(self, vocab=8000, d=256, layers=2, heads=4, ffn=1024):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.ModuleList([Block(d, heads, ffn, True, act="relu", norm="rms") for _ in range(layers)])
        self.dec = nn.ModuleList(
            [Block(d, heads, ffn, True, causal=True, cross=True, act="relu", norm="rms") for _ in range(layers)])
        self.enc_norm, self.dec_norm = RMSNorm(d), RMSNorm(d)

    def forward(self, src, tgt):
        m = self.emb(src)
        for layer in self.enc:
            m = layer(m)
        m = self.enc_norm(m)
        y = self.emb(tgt)
        for layer in self.dec:
            y = layer(y, m)
        return self.dec_norm(y) @ self.emb.weight.t()


class WhisperEncoder(nn.Module):
    def __init__(self, mels=80, d=256, layers=2, heads=4, frames=1000):
        super().__init__()
        self.c1 = nn.Conv1d(mels, d, 3, padding=1)
        self.c2 = nn.Conv1d(d, d, 3, stride=2, padding=1)
        self.pos = nn.Parameter(0.02 * torch.randn(frames // 2, d))
        self.layers = nn.ModuleList([Block(d, heads, 4 * d, pre_ln=True, sdpa=True) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)

    def forward(self, mel):
        x = F.gelu(self.c2(F.gelu(self.c1(mel)))).transpose(1, 2) + self.pos
        for layer in self.layers:
            x = layer(x)
        return self.ln(x)


class Wav2Vec2(nn.Module):
    def __init__(self, c=256, d=256, layers=4, heads=4):
        super().__init__()
        specs = [(10, 5)] + [(3, 2)] * 4 + [(2, 2)] * 2
        convs, cin = [], 1
        for k, s in specs:
            convs.append(nn.Conv1d(cin, c, k, stride=s, bias=False))
            cin = c
        self.convs = nn.ModuleList(convs)
        self.gn = nn.GroupNorm(c, c)
        self.ln0 = nn.LayerNorm(c)
        self.proj = nn.Linear(c, d)
        self.pos_conv = nn.Conv1d(d, d, 65, padding=32, groups=16)
        self.ln1 = nn.LayerNorm(d)
        self.layers = nn.ModuleList([Block(d, heads, 4 * d, pre_ln=False) for _ in range(layers)])

    def forward(self, wave):
        x = wave.unsqueeze(1)
        for i, conv in enumerate(self.convs):
            x = conv(x)
            if i == 0:
                x = self.gn(x)
            x = F.gelu(x)
        x = self.proj(self.ln0(x.transpose(1, 2)))
        x = self.ln1(x + F.gelu(self.pos_conv(x.transpose(1, 2))).transpose(1, 2))
        for layer in self.layers:
            x = layer(x)
        return x


class Tagger(nn.Module):
    def __init__(self, cell="lstm", vocab=5000, d=128, hidden=256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.rnn = rnn(d, hidden, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(2 * hidden, 32)

    def forward(self, ids):
        y, _ = self.rnn(self.emb(ids))
        return self.out(y)


class GreedyDecoder(nn.Module):
    """A scripted generation loop: GRU cell, argmax, feed back, 32 steps."""

    def __init__(self, vocab: int = 2000, d: int = 256):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.cell = nn.GRUCell(d, d)
        self.out = nn.Linear(d, vocab)

    def forward(self, h: torch.Tensor, start: torch.Tensor, steps: int = 32) -> torch.Tensor:
        tok = start
        outs = []
        for _ in range(steps):
            h = self.cell(self.emb(tok), h)
            tok = self.out(h).argmax(-1)
            outs.append(tok)
        return torch.stack(outs, 1)


class ScriptedEncoder(nn.Module):
    """A scripted (not traced) transformer encoder: the interpreter runs the Python-level code."""

    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([Block(256, 4, 1024, pre_ln=True) for _ in range(4)])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for layer in self.layers:
            x = layer(x)
        return x


class Mlp(nn.Module):
    """5 x Linear(3000): 180 MB of float32 weights, memory-bound at small batch."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(*[m for _ in range(5) for m in (nn.Linear(3000, 3000), nn.ReLU())])

    def forward(self, x):
        return self.layers(x)


# ----- the zoo -----


def _tv(name, **kw):
    import torchvision

    def build():
        return torchvision.models.get_model(name, weights=None, **kw), (torch.randn(1, 3, 224, 224),), "trace"

    return build


def _vit():
    from torchvision.models.vision_transformer import VisionTransformer

    m = VisionTransformer(image_size=224, patch_size=16, num_layers=6, num_heads=6, hidden_dim=384, mlp_dim=1536)
    return m, (torch.randn(1, 3, 224, 224),), "trace"


def _swin():
    from torchvision.models.swin_transformer import SwinTransformer

    m = SwinTransformer(patch_size=[4, 4], embed_dim=48, depths=[2, 2, 2, 2], num_heads=[3, 6, 12, 24],
                        window_size=[7, 7])
    return m, (torch.randn(1, 3, 224, 224),), "trace"


def _convnext():
    from torchvision.models.convnext import CNBlockConfig, ConvNeXt

    cfg = [CNBlockConfig(48, 96, 2), CNBlockConfig(96, 192, 2), CNBlockConfig(192, 384, 4), CNBlockConfig(384, None, 2)]
    return ConvNeXt(cfg), (torch.randn(1, 3, 224, 224),), "trace"


def _resnet18_scripted():
    import torchvision

    return torchvision.models.resnet18(weights=None), (torch.randn(1, 3, 224, 224),), "script"


def _ids(vocab, b, t):
    return torch.randint(0, vocab, (b, t))


def _half(build, dtype):
    def wrapped():
        m, xs, how = build()
        m = m.to(dtype)
        return m, tuple(x.to(dtype) if x.is_floating_point() else x for x in xs), how

    return wrapped


ZOO = {
    "resnet18": _tv("resnet18"),
    "resnet18_scripted": _resnet18_scripted,
    "mobilenet_v3_small": _tv("mobilenet_v3_small"),
    "regnet_y_400mf": _tv("regnet_y_400mf"),
    "efficientnet_b0": _tv("efficientnet_b0"),
    "shufflenet_v2_x1_0": _tv("shufflenet_v2_x1_0"),
    "vit_small": _vit,
    "swin_small_cfg": _swin,
    "convnext_small_cfg": _convnext,
    "bert_encoder": lambda: (Bert(), (_ids(8000, 1, 128),), "trace"),
    "gpt2_decoder": lambda: (Gpt2(), (_ids(8000, 1, 128),), "trace"),
    "t5_enc_dec": lambda: (T5(), (_ids(8000, 1, 64), _ids(8000, 1, 32)), "trace"),
    "whisper_encoder": lambda: (WhisperEncoder(), (torch.randn(1, 80, 1000),), "trace"),
    "wav2vec2_encoder": lambda: (Wav2Vec2(), (torch.randn(1, 16000),), "trace"),
    "lstm_tagger": lambda: (Tagger("lstm"), (_ids(5000, 4, 64),), "trace"),
    "gru_tagger": lambda: (Tagger("gru"), (_ids(5000, 4, 64),), "trace"),
    "greedy_decoder_scripted": lambda: (GreedyDecoder(), (torch.randn(2, 256), torch.zeros(2, dtype=torch.long)),
                                        "script"),
    "encoder_scripted": lambda: (ScriptedEncoder(), (torch.randn(1, 128, 256),), "script"),
    "resnet18_fp16": _half(_tv("resnet18"), torch.float16),
    "bert_bf16": _half(lambda: (Bert(), (_ids(8000, 1, 128),), "trace"), torch.bfloat16),
    "mlp_180mb_b8": lambda: (Mlp(), (torch.randn(8, 3000),), "trace"),
}
