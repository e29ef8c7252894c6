"""Data-parallel training speed: the example's CNN, 1 process x 2 threads vs 2 processes x 1 thread (DDP).

    python benchmarks/bench_ddp.py                      # shared memory between the ranks
    python benchmarks/bench_ddp.py --btl tcp            # the ranks talk TCP over loopback
    python benchmarks/bench_ddp.py --steps 6 --repeats 3 --batch 256 --hdims 1024 128
    python benchmarks/bench_ddp.py --bucket-cap-mb 4     # the big Linear in its own bucket: overlap possible

Each repeat runs the single-process child then the mpiexec child (interleaved, so load from other users of
the machine hits both alike); the medians over steps and repeats are printed. The DDP child measures, per
rank, in alternating rounds:

* ``step``: one training step with DDP (forward, backward with overlapped bucket all-reduces, Adam step);
* ``local``: the same step inside ``no_sync()`` (no communication at all);
* ``wait``: time inside DDP's communication code during backward (bucket copies, starting and polling the
  all-reduces in the hooks, the final wait and the division);
* ``allreduce``: one blocking all-reduce of all the gradients (13 MB for the default model), alone.

Then ``exposed = step - local`` (median of the per-round differences), the all-reduce share of the step is
``exposed / step``, and the overlap achieved is ``1 - exposed / allreduce`` (1: communication entirely hidden
behind backward; 0: none), also estimated as ``1 - wait / allreduce``.
"""
import argparse
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "examples"))


def build(args):
    import miniconv as torch
    import miniconv.nn as nn
    from train_mnist import ConvolutionalNeuralNetworkClass

    torch.manual_seed(0)
    model = ConvolutionalNeuralNetworkClass(USE_BATCHNORM=True, hdims=args.hdims)
    return torch, nn, model


def child_single(args):
    torch, nn, model = build(args)
    torch.set_num_threads(2)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.randn(args.batch, 1, 28, 28)
    y = torch.randint(0, 10, (args.batch,))
    loss_fn = nn.CrossEntropyLoss()
    times = []
    for i in range(args.steps + 2):
        t = time.perf_counter()
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        if i >= 2:
            times.append(time.perf_counter() - t)
    print(json.dumps({"step": times}))


def child_ddp(args):
    import numpy as np
    from mpi4py import MPI

    torch, nn, model = build(args)
    torch.set_num_threads(1)
    dist = torch.distributed
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    model = nn.SyncBatchNorm.convert_sync_batchnorm(model)
    ddp = nn.parallel.DistributedDataParallel(model, bucket_cap_mb=args.bucket_cap_mb)
    waits, in_hooks = [], [0.0]
    finish, launch_ready, progress = ddp._finish_backward, ddp._launch_ready, ddp._progress

    def timed_finish():
        t = time.perf_counter()
        finish()
        waits.append(time.perf_counter() - t + in_hooks[0])  # all of DDP's communication code in this backward
        in_hooks[0] = 0.0

    def timed(fn):
        def run():
            t = time.perf_counter()
            fn()
            in_hooks[0] += time.perf_counter() - t
        return run

    ddp._finish_backward = timed_finish
    ddp._launch_ready, ddp._progress = timed(launch_ready), timed(progress)
    opt = torch.optim.Adam(ddp.parameters(), lr=1e-3)
    local_batch = args.batch // world
    torch.manual_seed(rank)
    x = torch.randn(local_batch, 1, 28, 28)
    y = torch.randint(0, 10, (local_batch,))
    loss_fn = nn.CrossEntropyLoss()

    def step(sync):
        dist.barrier()  # both ranks start together: the time measured is the step's, not the other's lag
        t = time.perf_counter()
        loss = loss_fn(ddp(x), y)
        opt.zero_grad()
        if sync:
            loss.backward()
        else:
            with ddp.no_sync():
                loss.backward()
        opt.step()
        return time.perf_counter() - t

    step(True), step(False)
    waits.clear()
    steps, local = [], []
    for i in range(args.steps):  # alternate, so both see the same background load
        steps.append(step(True))
        local.append(step(False))
    flat = np.concatenate([p.grad._data.ravel() for p in model.parameters()])
    comm = dist.group.WORLD.comm
    allreduce = []
    for _ in range(max(5, args.steps)):
        comm.Barrier()
        t = time.perf_counter()
        comm.Allreduce(MPI.IN_PLACE, flat, MPI.SUM)
        allreduce.append(time.perf_counter() - t)
    result = {"step": steps, "local": local, "wait": waits, "allreduce": allreduce, "grad_mb": flat.nbytes / 1e6,
              "buckets": len(ddp._buckets)}
    everyone = comm.gather(result, root=0)
    if rank == 0:  # per step, the slower rank is what the job sees
        merged = {k: [max(v) for v in zip(*(r[k] for r in everyone))] for k in ("step", "local", "wait", "allreduce")}
        merged.update(grad_mb=result["grad_mb"], buckets=result["buckets"])
        print(json.dumps(merged))
    dist.destroy_process_group()


def _last_json(out):
    return json.loads([line for line in out.splitlines() if line.startswith("{")][-1])


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--steps", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--batch", type=int, default=256, help="global batch (each of the 2 ranks gets half)")
    p.add_argument("--hdims", type=int, nargs="+", default=[1024, 128])
    p.add_argument("--btl", choices=["sm", "tcp"], default="sm", help="Open MPI transport between the ranks")
    p.add_argument("--bucket-cap-mb", type=float, default=25.0, help="DDP bucket size (PyTorch's default: 25)")
    p.add_argument("--oversubscribe", action="store_true", help="pass --oversubscribe to mpiexec (fewer cores than 2)")
    p.add_argument("--child", choices=["single", "ddp"], default=None, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.child == "single":
        return child_single(args)
    if args.child == "ddp":
        return child_ddp(args)

    env = dict(os.environ, PYTHONPATH=str(ROOT), OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1")
    common = ["--steps", str(args.steps), "--batch", str(args.batch), "--hdims", *map(str, args.hdims),
              "--bucket-cap-mb", str(args.bucket_cap_mb)]
    mpiexec = pathlib.Path(sys.executable).parent / "mpiexec"
    mpi = [str(mpiexec if mpiexec.exists() else "mpiexec"), "-n", "2", "-x", "OMP_NUM_THREADS=1"]
    if args.oversubscribe:  # idle ranks then yield the CPU: non-blocking collectives get much slower
        mpi.append("--oversubscribe")
    if args.btl == "tcp":
        mpi += ["--mca", "btl", "tcp,self", "--mca", "btl_tcp_if_include", "lo"]
    single, ddp = [], []
    for r in range(args.repeats):
        out = subprocess.run([sys.executable, __file__, "--child", "single", *common], env=dict(env, OMP_NUM_THREADS="2"),
                             capture_output=True, text=True, check=True).stdout
        single.append(_last_json(out))
        out = subprocess.run([*mpi, sys.executable, __file__, "--child", "ddp", *common], env=env,
                             capture_output=True, text=True, check=True).stdout
        ddp.append(_last_json(out))

    def med(rows, key):
        return statistics.median(v for row in rows for v in row[key])

    t1 = med(single, "step")
    t2, tl, tw, ta = med(ddp, "step"), med(ddp, "local"), med(ddp, "wait"), med(ddp, "allreduce")
    exposed = max(t2 - tl, 0.0)
    print(f"model hdims={args.hdims}, global batch {args.batch}, gradients {ddp[0]['grad_mb']:.1f} MB in "
          f"{ddp[0]['buckets']} buckets, transport {args.btl}; medians over {args.repeats} x {args.steps} steps")
    print(f"  1 process  x 2 threads : {1e3 * t1:7.1f} ms/step  {args.batch / t1:7.0f} images/s")
    print(f"  2 processes x 1 thread : {1e3 * t2:7.1f} ms/step  {args.batch / t2:7.0f} images/s  "
          f"(x{t1 / t2:.2f})")
    print(f"    same step, no all-reduce (no_sync): {1e3 * tl:7.1f} ms")
    print(f"    blocking all-reduce of all gradients: {1e3 * ta:7.1f} ms  "
          f"({ddp[0]['grad_mb'] / ta / 1e3:.2f} GB/s algorithm bandwidth)")
    print(f"    exposed communication (step - no_sync): {1e3 * exposed:7.1f} ms = {100 * exposed / t2:.0f}% of the step;"
          f" time inside DDP's communication code (copies, MPI calls, wait) {1e3 * tw:.1f} ms")
    print(f"    overlap achieved: {100 * max(0.0, 1 - exposed / ta):.0f}% by step times, "
          f"{100 * max(0.0, 1 - tw / ta):.0f}% by time inside DDP's code, of the all-reduce hidden behind backward")


if __name__ == "__main__":
    main()
