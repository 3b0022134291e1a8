"""charrnn's models in PyTorch: the module whose state_dict is charrnn's torch layout, its file, its loss.

    import charrnn_torch as ct
    model = ct.load('model.torch.safetensors')    # from `charrnn export model.ckpt --format torch -o ...`
    print(ct.eval(model, text))                    # nats/char, as `charrnn eval` scores a text
    ct.save(model, model.vocab, 'trained.torch.safetensors')   # for `charrnn import`

or from a shell: python3 charrnn_torch.py eval TEXT MODEL [MODEL ...]

The layout (src/checkpoint/torch.ts is charrnn's side of it): a safetensors file of CharRNN's state_dict,
`embedding.weight` (only with an embedding), `rnn.weight_ih_l{k}`, `rnn.weight_hh_l{k}`, `rnn.bias_ih_l{k}`,
`rnn.bias_hh_l{k}`, `decoder.weight`, `decoder.bias`, F32 or F64, with string metadata: format
`charrnn-torch`, model (rnn, lstm or gru), layers, hidden, embedding, vocab (JSON: the characters' code
points in id order) and dropout. Safetensors is read and written here in plain Python (an 8-byte
little-endian header size, a JSON header, raw little-endian tensors), so nothing beyond Debian's
python3-torch is needed; the files are ordinary safetensors files (`safetensors.torch.load_file` reads
them, and `save_file(model.state_dict(), path, metadata={'vocab': ...})` writes one charrnn imports).
"""
import json
import math
import os
import struct
import sys

import torch
import torch.nn.functional as F
from torch import nn

FORMAT = 'charrnn-torch'
CELLS = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}
GATES = {'rnn': 1, 'lstm': 4, 'gru': 3}
DTYPES = {'F32': torch.float32, 'F64': torch.float64}


class CharRNN(nn.Module):
    """charrnn's model: [an embedding or the one-hot symbol] -> `layers` stacked cells -> a linear decoder.

    Dropout, as charrnn's, is on every layer's output while training: the cell's own between layers,
    then `drop` before the decoder.
    """

    def __init__(self, kind, V, hidden, layers=1, embedding=0, dropout=0.0):
        super().__init__()
        if kind not in CELLS:
            raise ValueError(f"unknown model '{kind}', expected one of {', '.join(CELLS)}")
        self.kind, self.V, self.hidden, self.layers = kind, V, hidden, layers
        self.embedding_size, self.dropout = embedding, dropout
        self.vocab = None  # the characters, in id order (load sets it)
        if embedding:
            self.embedding = nn.Embedding(V, embedding)
        extra = {'nonlinearity': 'tanh'} if kind == 'rnn' else {}
        self.rnn = CELLS[kind](embedding or V, hidden, layers, batch_first=True,
                               dropout=dropout if layers > 1 else 0.0, **extra)
        self.drop = nn.Dropout(dropout)
        self.decoder = nn.Linear(hidden, V)

    def forward(self, x, state=None):
        """x (B,T) ids -> logits (B,T,V) and the state after the last step (h, or (h, c) for the LSTM)."""
        if self.embedding_size:
            inputs = self.embedding(x)
        else:
            inputs = F.one_hot(x, self.V).to(self.decoder.weight.dtype)
        out, state = self.rnn(inputs, state)
        return self.decoder(self.drop(out)), state


def detach(state):
    """The state with its history cut (truncated BPTT)."""
    return tuple(s.detach() for s in state) if isinstance(state, tuple) else state.detach()


# ---- the file ----

def read_safetensors(path):
    """(tensors by name, metadata) of a safetensors file of F32/F64 tensors."""
    with open(path, 'rb') as f:
        data = f.read()
    if len(data) < 8:
        raise ValueError(f'{path}: too short for a safetensors file')
    (n,) = struct.unpack('<Q', data[:8])
    header = json.loads(data[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {}) or {}
    tensors = {}
    for name, entry in header.items():
        if entry['dtype'] not in DTYPES:
            raise ValueError(f"{path}: tensor '{name}' is {entry['dtype']}, expected F32 or F64")
        begin, end = entry['data_offsets']
        dtype = DTYPES[entry['dtype']]
        raw = bytearray(data[8 + n + begin:8 + n + end])
        t = torch.frombuffer(raw, dtype=dtype) if raw else torch.empty(0, dtype=dtype)
        if sys.byteorder != 'little':
            t = torch.from_numpy(t.numpy().byteswap())
        tensors[name] = t.reshape(entry['shape'])
    return tensors, metadata


def write_safetensors(path, tensors, metadata):
    """Writes tensors (F32/F64) and string metadata as a safetensors file, atomically."""
    names = {torch.float32: 'F32', torch.float64: 'F64'}
    header, blobs, offset = {'__metadata__': metadata}, [], 0
    for name, t in tensors.items():
        a = t.detach().cpu().contiguous().numpy()
        blob = a.astype(a.dtype.newbyteorder('<'), copy=False).tobytes()
        header[name] = {'dtype': names[t.dtype], 'shape': list(t.shape),
                        'data_offsets': [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header, separators=(',', ':')).encode('utf-8')
    head += b' ' * (-len(head) % 8)  # the tensor data 8-byte aligned
    tmp = f'{path}.{os.getpid()}.tmp'
    with open(tmp, 'wb') as f:
        f.write(struct.pack('<Q', len(head)) + head)
        for blob in blobs:
            f.write(blob)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def load(path):
    """The CharRNN of a file in the layout (charrnn's export, or `save`), in the file's dtype, with .vocab."""
    tensors, meta = read_safetensors(path)
    if meta.get('format', FORMAT) != FORMAT:
        also = ('; export it with `charrnn export CKPT --format torch`'
                if meta['format'] == 'charrnn-checkpoint' else '')
        raise ValueError(f"{path}: metadata 'format' is '{meta['format']}', expected '{FORMAT}'{also}")
    if 'vocab' not in meta:
        raise ValueError(f"{path}: metadata 'vocab' is missing")
    vocab = [chr(c) for c in json.loads(meta['vocab'])]
    whh = tensors['rnn.weight_hh_l0']
    hidden = int(meta.get('hidden', whh.shape[1]))
    kind = meta.get('model') or {g: k for k, g in GATES.items()}[whh.shape[0] // hidden]
    layers = int(meta.get('layers', sum(1 for k in tensors if k.startswith('rnn.weight_hh_l'))))
    embedding = int(meta.get('embedding', tensors['embedding.weight'].shape[1] if 'embedding.weight' in tensors else 0))
    model = CharRNN(kind, len(vocab), hidden, layers, embedding, float(meta.get('dropout', 0)))
    model.to(whh.dtype).load_state_dict(tensors)  # strict: every tensor, each of its shape
    model.vocab = vocab
    return model


def save(model, vocab, path):
    """Writes a CharRNN and its vocabulary (the characters in id order) in the layout, for `charrnn import`."""
    metadata = {
        'format': FORMAT,
        'model': model.kind,
        'layers': str(model.layers),
        'hidden': str(model.hidden),
        'embedding': str(model.embedding_size),
        'vocab': json.dumps([ord(c) for c in vocab]),
        'dropout': str(model.dropout),
    }
    write_safetensors(path, model.state_dict(), metadata)


# ---- the loss ----

def encode(text, vocab):
    """The ids of a text; a character outside the vocabulary is an error naming it."""
    index = {c: i for i, c in enumerate(vocab)}
    try:
        return [index[c] for c in text]
    except KeyError as e:
        raise ValueError(f"the text contains {e.args[0]!r} (U+{ord(e.args[0]):04X}), "
                         "which is not in the model's vocabulary") from None


@torch.no_grad()
def eval(model, text, vocab=None, window=1024):
    """The loss of a text in nats per character: every character after the first, predicted from the
    ones before it, as one stream from a zero state (as `charrnn eval` scores it)."""
    ids = encode(text, vocab or model.vocab)
    if len(ids) < 2:
        raise ValueError(f'the text has {len(ids)} character, and scoring needs at least 2')
    was_training = model.training
    model.eval()
    device = model.decoder.weight.device
    x = torch.tensor(ids[:-1], device=device).unsqueeze(0)
    y = torch.tensor(ids[1:], device=device)
    total, state = 0.0, None
    for s in range(0, len(ids) - 1, window):
        logits, state = model(x[:, s:s + window], state)
        total += F.cross_entropy(logits[0].double(), y[s:s + window], reduction='sum').item()
    model.train(was_training)
    return total / (len(ids) - 1)


def read_text(path):
    """A UTF-8 text file exactly as charrnn reads it (strict UTF-8, line ends kept as they are)."""
    with open(path, encoding='utf-8', errors='strict', newline='') as f:
        return f.read()


def main(argv):
    if len(argv) < 3 or argv[0] != 'eval':
        print('usage: charrnn_torch.py eval TEXT MODEL [MODEL ...]', file=sys.stderr)
        return 2
    try:
        text = read_text(argv[1])
    except (OSError, UnicodeDecodeError) as e:
        return failed(f"cannot read the text '{argv[1]}': {e.strerror if isinstance(e, OSError) else e}")
    for path in argv[2:]:
        try:
            loss = eval(load(path), text)
        except KeyError as e:
            return failed(f"{path}: tensor {e} is missing")
        except (OSError, ValueError, RuntimeError) as e:
            problem = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            return failed(problem if problem.startswith(f'{path}:') else f'{path}: {problem}')
        print(f'{path}: loss {loss:.10f} nats/char, {loss / math.log(2):.10f} bits/char over '
              f'{len(text) - 1} characters', flush=True)
    return 0


def failed(problem):
    """One line on stderr (a report of several lines, as load_state_dict's, joined), status 1."""
    print(f"charrnn_torch.py: {' '.join(str(problem).split())[:500]}", file=sys.stderr)
    return 1


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
