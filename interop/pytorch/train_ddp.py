"""Trains a charrnn model on one text with DistributedDataParallel, and writes it for `charrnn import`.

One process per rank, with RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR and MASTER_PORT in the environment
(torchrun sets them; so can a shell, see README.md). gloo on CPUs, nccl on GPUs (one per LOCAL_RANK).

    charrnn export start.ckpt --format torch -o start.torch.safetensors      # or a new model: no --init-from
    torchrun --nproc_per_node 2 train_ddp.py input.txt --init-from start.torch.safetensors --iters 2000 \
        -o model.torch.safetensors
    charrnn import model.torch.safetensors -o model.ckpt

The training is charrnn's: the text is cut into WORLD_SIZE x --batch contiguous streams (rank r takes the
r-th --batch of them); each iteration takes the next --seq-length characters of each stream, carrying
every stream's state from one window to the next with its history cut (truncated BPTT), and starts the
streams again from zero states when a pass is done. The loss is the mean cross-entropy per character;
DDP averages the gradients over the ranks, so a step is one of a batch of WORLD_SIZE x --batch streams.
Adam, with the gradient's global norm clipped to --clip-norm. The model is --init-from's, else a new one
of --model and its sizes (PyTorch's initialization). Rank 0 writes it and prints its loss on --eval-text
(default: the training text) as `charrnn eval` scores it.
"""
import argparse
import math
import os
import sys
import time

import torch
import torch.distributed as dist
import torch.nn.functional as F
from torch.nn.parallel import DistributedDataParallel

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import charrnn_torch as ct  # noqa: E402


def positive(text):
    """An argparse type: a whole number of at least 1."""
    n = int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f'{text} is not a whole number of at least 1')
    return n


def whole(text):
    """An argparse type: a whole number of at least 0."""
    n = int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f'{text} is not a whole number of at least 0')
    return n


def probability(text):
    """An argparse type: a dropout probability, at least 0 and below 1."""
    p = float(text)
    if not 0 <= p < 1:
        raise argparse.ArgumentTypeError(f'{text} is not at least 0 and below 1')
    return p


# a new model's settings, when neither the options nor --init-from give them
MODEL_DEFAULTS = {'model': 'lstm', 'layers': 2, 'hidden': 256, 'embedding': 64, 'dropout': 0.0, 'dtype': 'f32'}


def fail(problem):
    """Ends the process with one line on stderr (status 1), before any rank has started training."""
    raise SystemExit(f'train_ddp.py: {problem}')


def read_input(path, what):
    """A text argument, read as charrnn reads it; a missing file or invalid UTF-8 is one line."""
    try:
        return ct.read_text(path)
    except OSError as e:
        fail(f"cannot read {what} '{path}': {e.strerror or e}")
    except UnicodeDecodeError as e:
        fail(f"{what} '{path}' is not valid UTF-8 (byte {e.start}); save it as UTF-8")


def encode_input(text, vocab, what, path):
    """The ids of a text argument; a character outside the vocabulary is one line naming it."""
    try:
        return ct.encode(text, vocab)
    except ValueError as e:
        fail(f"{what} '{path}': {e}")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('text', help='UTF-8 text to learn from')
    p.add_argument('-o', '--output', required=True, help='the model file to write (for charrnn import)')
    p.add_argument('--init-from', metavar='FILE',
                   help="start from this model (charrnn's export): its cell, sizes, vocabulary and dtype "
                        '(--dropout may change; the other model options must match it)')
    # the model's settings default to None, so that those given with --init-from can be told apart
    p.add_argument('--model', choices=sorted(ct.CELLS), help=f"default: {MODEL_DEFAULTS['model']}")
    p.add_argument('--layers', type=positive, help=f"default: {MODEL_DEFAULTS['layers']}")
    p.add_argument('--hidden', type=positive, help=f"default: {MODEL_DEFAULTS['hidden']}")
    p.add_argument('--embedding', type=whole, help=f"0: the one-hot symbol; default: {MODEL_DEFAULTS['embedding']}")
    p.add_argument('--dropout', type=probability, help="default: 0, or --init-from's")
    p.add_argument('--batch', type=positive, default=32, help='streams per process')
    p.add_argument('--seq-length', type=positive, default=64)
    p.add_argument('--iters', type=whole, default=1000)
    p.add_argument('--lr', type=float, default=2e-3)
    p.add_argument('--clip-norm', type=float, default=5.0)
    p.add_argument('--dtype', choices=['f32', 'f64'], help=f"default: {MODEL_DEFAULTS['dtype']}")
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--log-every', type=positive, default=100)
    p.add_argument('--eval-text', help='the text whose loss rank 0 prints at the end (default: TEXT)')
    return p.parse_args(argv)


def streams(ids, count, length):
    """`count` contiguous streams of the text, each `length` ids long."""
    return torch.tensor(ids[:count * length]).view(count, length)


def main(argv):
    args = parse(argv)
    missing = [v for v in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if v not in os.environ]
    if missing:
        fail(f"{', '.join(missing)} not set: start it with torchrun, or set RANK, WORLD_SIZE, MASTER_ADDR "
             'and MASTER_PORT for each process (see README.md)')
    rank, world = int(os.environ['RANK']), int(os.environ['WORLD_SIZE'])
    local_rank = int(os.environ.get('LOCAL_RANK', rank))
    if torch.cuda.is_available():
        device = torch.device('cuda', local_rank)
        torch.cuda.set_device(device)
        backend = 'nccl'
    else:
        device, backend = torch.device('cpu'), 'gloo'

    # every input checked on every rank before training (and before the ranks wait on each other), so a
    # mistake is one line at once rather than a traceback on rank 0 after the whole run
    text = read_input(args.text, 'the text')
    if args.init_from:
        try:
            start = ct.load(args.init_from)
        except KeyError as e:
            fail(f"cannot load --init-from '{args.init_from}': tensor {e} is missing; write it with charrnn export")
        except (OSError, ValueError, RuntimeError) as e:
            problem = ' '.join(str(e).split())  # load_state_dict's report is several lines
            fail(f"cannot load --init-from '{args.init_from}': {problem[:400]}")
        # what defines the model comes from the file: an option that says otherwise is a mistake
        dtype = 'f64' if start.decoder.weight.dtype == torch.float64 else 'f32'
        own = {'model': start.kind, 'layers': start.layers, 'hidden': start.hidden,
               'embedding': start.embedding_size, 'dtype': dtype}
        for key, value in own.items():
            given = getattr(args, key)
            if given is not None and given != value:
                fail(f"--{key} {given} does not match --init-from '{args.init_from}', whose model has {key} "
                     f"{value}; drop --{key}, or start a new model without --init-from")
        if args.dropout is not None:  # dropout is how it trains, not what it is: the option applies
            start.dropout = args.dropout
            start.drop.p = args.dropout
            start.rnn.dropout = args.dropout if start.layers > 1 else 0.0
    else:
        start = None
        for key, value in MODEL_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, value)
    vocab = start.vocab if start else sorted(set(text))  # charrnn's: the text's code points, sorted
    ids = encode_input(text, vocab, 'the text', args.text)
    eval_text = read_input(args.eval_text, '--eval-text') if args.eval_text else text
    encode_input(eval_text, vocab, '--eval-text', args.eval_text or args.text)
    if len(eval_text) < 2:
        fail(f"--eval-text '{args.eval_text}' has {len(eval_text)} character, and scoring needs at least 2")
    T, B = args.seq_length, args.batch
    length = len(ids) // (world * B)
    windows = (length - 1) // T  # a window's targets are its inputs shifted by one
    if windows < 1:
        raise SystemExit(f'train_ddp.py: the text has {len(ids)} characters, but {world * B} streams of '
                         f'--seq-length {T} need at least {world * B * (T + 1)}; use a smaller --batch')
    dist.init_process_group(backend, init_method='env://')  # MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE
    data = streams(ids, world * B, length)[rank * B:(rank + 1) * B].to(device)  # this rank's B streams

    torch.manual_seed(args.seed)  # the same initial model on every rank (DDP also broadcasts rank 0's)
    if start:
        model = start.to(device)
    else:
        model = ct.CharRNN(args.model, len(vocab), args.hidden, args.layers, args.embedding, args.dropout)
        model = model.to(device=device, dtype=torch.float64 if args.dtype == 'f64' else torch.float32)
    ddp = DistributedDataParallel(model, device_ids=[local_rank] if device.type == 'cuda' else None)
    opt = torch.optim.Adam(ddp.parameters(), lr=args.lr)
    if rank == 0:
        origin = f' from {args.init_from}' if start else ''
        print(f'train_ddp.py: {model.kind} {model.layers}x{model.hidden}{origin}, {len(vocab)} symbols, '
              f'{world} processes ({backend}) x {B} streams x seq {T}, {windows} windows a pass', flush=True)

    state, started = None, time.time()
    for it in range(args.iters):
        w = it % windows
        if w == 0:
            state = None  # a new pass: every stream from a zero state
        x = data[:, w * T:(w + 1) * T]
        y = data[:, w * T + 1:(w + 1) * T + 1]
        ddp.train()
        logits, state = ddp(x, state)
        loss = F.cross_entropy(logits.reshape(-1, len(vocab)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()  # DDP averages the gradients over the ranks here
        if math.isfinite(args.clip_norm):
            torch.nn.utils.clip_grad_norm_(ddp.parameters(), args.clip_norm)
        opt.step()
        state = ct.detach(state)  # carried into the next window, its history cut
        if it % args.log_every == 0 or it == args.iters - 1:
            mean = loss.detach().clone()
            dist.all_reduce(mean)
            if rank == 0:
                print(f'iter {it}, loss: {mean.item() / world:.6f} nats/char '
                      f'({(it + 1) * world * B * T / (time.time() - started):.0f} chars/s)', flush=True)

    if rank == 0:
        model.cpu()
        ct.save(model, vocab, args.output)
        loss = ct.eval(model, eval_text, vocab)
        print(f"train_ddp.py: wrote '{args.output}'; loss {loss:.10f} nats/char on "
              f"'{args.eval_text or args.text}'", flush=True)
    dist.barrier()
    dist.destroy_process_group()


if __name__ == '__main__':
    main(sys.argv[1:])
