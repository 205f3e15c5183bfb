#!/usr/bin/env python3
"""Workload B on three queues ({a}, {b}, {c}): one Redis against a Redis Cluster of three masters with a replica each.

    bench/cluster-b.py [N_PER_QUEUE=6000] [ROUNDS=2]

Starts its own servers on loopback ports (a single redis-server; six cluster nodes joined by redis-cli --cluster
create), and alternates the two setups ROUNDS times. Each step runs three Errand drivers at once, one per queue:
enqueue N no-op jobs, 50 in flight, then process them, concurrency 50. Reported per step: the wall time from "go" to
the last driver's result, the three drivers' CPU over that span (/proc ticks), and the CPU of every Redis process
(INFO cpu; on the cluster, the three masters and the three replicas). The driver is published ReadyToRun first
(DRIVER=path/to/Errand.Bench.dll skips that). Servers and their directory are removed at the end, also on failure.
"""
import os, shutil, socket, subprocess, sys, tempfile, time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 6000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 2
QUEUES = ["{a}", "{b}", "{c}"]
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(port, *args):
    return subprocess.run(["redis-cli", "-p", str(port), *args], capture_output=True, text=True, check=True).stdout


def start(work, name, extra=()):
    port = free_port()
    directory = os.path.join(work, name)
    os.makedirs(directory)
    proc = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--dir", directory, "--save", "",
                             "--appendonly", "no", "--protected-mode", "no", *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    while True:
        try:
            if cli(port, "ping").strip() == "PONG":
                return port, proc
        except subprocess.CalledProcessError:
            pass
        time.sleep(0.05)


def redis_cpu(ports):
    total = 0.0
    for port in ports:
        for line in cli(port, "info", "cpu").splitlines():
            if line.startswith(("used_cpu_sys:", "used_cpu_user:")):
                total += float(line.split(":")[1])
    return total


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def step(driver, url, role, extra, ports, masters):
    procs = [subprocess.Popen(["dotnet", driver, "driver", role, "--url", url, "--queue", q, "--n", str(N), *extra],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) for q in QUEUES]
    for p in procs:
        while p.stdout.readline().strip() != "@ready":
            pass
    t0 = [ticks(p.pid) for p in procs]
    r0, m0 = redis_cpu(ports), redis_cpu(masters)
    started = time.monotonic()
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    t1 = []
    for p in procs:
        while not p.stdout.readline().startswith("@result"):
            pass
        t1.append(ticks(p.pid))
    wall = time.monotonic() - started
    r1, m1 = redis_cpu(ports), redis_cpu(masters)
    for p in procs:
        p.stdin.close()
        p.wait()
    return wall, (sum(t1) - sum(t0)) / TICK, r1 - r0, m1 - m0


def main():
    driver = os.environ.get("DRIVER")
    if not driver:
        out = os.path.join(ROOT, "artifacts", "bench-loop")
        subprocess.run(["dotnet", "publish", os.path.join(ROOT, "bench", "Errand.Bench"), "-c", "Release", "-r", "linux-x64",
                        "--self-contained", "false", "-p:PublishReadyToRun=true", "-nologo", "-v:q", "-o", out], check=True)
        driver = os.path.join(out, "Errand.Bench.dll")
    work = tempfile.mkdtemp(prefix="errand-cluster-bench-")
    procs = []
    try:
        single, p = start(work, "single")
        procs.append(p)
        nodes = []
        for i in range(6):
            port, p = start(work, f"node{i}", ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
                                               "--cluster-port", str(free_port()), "--cluster-node-timeout", "1500"])
            nodes.append(port)
            procs.append(p)
        subprocess.run(["redis-cli", "--cluster", "create", *[f"127.0.0.1:{n}" for n in nodes], "--cluster-replicas", "1",
                        "--cluster-yes"], check=True, stdout=subprocess.DEVNULL)
        while not all("cluster_state:ok" in cli(n, "cluster", "info") for n in nodes):
            time.sleep(0.2)
        masters = [n for n in nodes if cli(n, "role").startswith("master")]
        slots = {q: int(cli(nodes[0], "cluster", "keyslot", f"saq:{q}:queued")) for q in QUEUES}
        owners = {q: next(m for m in masters if any(
            line.split()[0] == cli(m, "cluster", "myid").strip() and any(
                r[0] != "[" and int(r.split("-")[0]) <= slots[q] <= int(r.split("-")[-1]) for r in line.split()[8:])
            for line in cli(nodes[0], "cluster", "nodes").splitlines())) for q in QUEUES}
        print(f"queues: {slots} on masters {owners} (3 masters: {len(set(owners.values())) == 3})")
        setups = [("one Redis", f"redis://127.0.0.1:{single}", [single], [single]),
                  ("cluster", f"redis://127.0.0.1:{nodes[0]},127.0.0.1:{nodes[1]}", nodes, masters)]
        print("| round | setup | step | wall s | jobs/s | drivers CPU s | Redis CPU s | of which masters |")
        print("| --- | --- | --- | ---: | ---: | ---: | ---: | ---: |")
        for r in range(1, ROUNDS + 1):
            for name, url, ports, flush in setups:
                for port in flush:
                    cli(port, "flushall")
                for role, extra in (("enqueue", ["--inflight", "50", "--fn", "noop"]), ("work", ["--concurrency", "50"])):
                    wall, cpu, rcpu, mcpu = step(driver, url, role, extra, ports, flush)
                    print(f"| {r} | {name} | {role} | {wall:.3f} | {3 * N / wall:,.0f} | {cpu:.2f} | {rcpu:.2f} | {mcpu:.2f} |", flush=True)
    finally:
        for p in procs:
            p.kill()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


main()
