"""The Python features batch jobs use. Prints one line per check; WorkloadSuiteTest compares the
whole output. Argument: a scratch directory."""

import asyncio
import mmap
import multiprocessing
import os
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing import shared_memory


def square(n):
    return n * n


def fill_shared(name, size):
    block = shared_memory.SharedMemory(name=name)
    block.buf[:size] = bytes(range(size))
    block.close()


def check_threads():
    total = []
    guard = threading.Lock()

    def add(n):
        with guard:
            total.append(n)

    workers = [threading.Thread(target=add, args=(i,)) for i in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print("threads", sum(total))


def check_lock_timeouts():
    lock = threading.Lock()
    lock.acquire()
    started = time.monotonic()
    acquired = lock.acquire(timeout=0.2)
    waited = time.monotonic() - started
    print("lock timeout", acquired, waited >= 0.19)
    condition = threading.Condition()
    with condition:
        print("condition timeout", condition.wait(timeout=0.05))
    event = threading.Event()
    threading.Timer(0.05, event.set).start()
    print("event set", event.wait(timeout=5))


def check_multiprocessing():
    for method in ("fork", "spawn"):
        context = multiprocessing.get_context(method)
        with context.Pool(2) as pool:
            print("multiprocessing", method, pool.map(square, range(5)))
        queue = context.Queue()
        child = context.Process(target=queue.put, args=(method + " queue",))
        child.start()
        print("multiprocessing", queue.get(timeout=30))
        child.join()
        print("multiprocessing", method, "exit", child.exitcode)


def check_subprocess():
    result = subprocess.run(["sh", "-c", "echo from child; exit 3"], capture_output=True, text=True)
    print("subprocess", result.stdout.strip(), result.returncode)
    print("subprocess pipe", subprocess.check_output("echo b a | tr ' ' '\\n' | sort | tr '\\n' ' '",
                                                    shell=True, text=True).strip())
    with subprocess.Popen(["cat"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True) as cat:
        out, _ = cat.communicate("through cat", timeout=10)
    print("subprocess communicate", out)
    try:
        subprocess.run(["sleep", "5"], timeout=0.2)
    except subprocess.TimeoutExpired:
        print("subprocess timeout")


class Echo(socketserver.BaseRequestHandler):
    def handle(self):
        self.request.sendall(self.request.recv(1024).upper())


def check_tcp():
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Echo) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        with socket.create_connection(server.server_address, timeout=10) as client:
            client.sendall(b"tcp echo")
            print("tcp", client.recv(1024).decode())
        server.shutdown()


def check_unix_socket(scratch):
    path = os.path.join(scratch, "echo.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(1)

    def serve():
        connection, _ = listener.accept()
        with connection:
            connection.sendall(connection.recv(1024)[::-1])

    server = threading.Thread(target=serve)
    server.start()
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
        client.connect(path)
        client.sendall(b"xinu")
        print("unix socket", client.recv(1024).decode())
    server.join()
    listener.close()
    left, right = socket.socketpair()
    left.sendall(b"pair")
    print("socketpair", right.recv(16).decode())
    left.close()
    right.close()


def check_mmap(scratch):
    path = os.path.join(scratch, "mapped")
    with open(path, "wb") as f:
        f.write(b"\0" * mmap.PAGESIZE)
    with open(path, "r+b") as f, mmap.mmap(f.fileno(), 0) as mapping:
        mapping[:6] = b"mapped"
        mapping.flush()
    with open(path, "rb") as f:
        print("mmap", f.read(6).decode())


def check_shared_memory():
    block = shared_memory.SharedMemory(create=True, size=256)
    try:
        child = multiprocessing.get_context("fork").Process(target=fill_shared, args=(block.name, 256))
        child.start()
        child.join()
        print("shared_memory", sum(block.buf[:256]), os.path.exists("/dev/shm/" + block.name))
    finally:
        block.close()
        block.unlink()


async def asyncio_main():
    async def handle(reader, writer):
        data = await reader.readline()
        writer.write(data.upper())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"asyncio stream\n")
    await writer.drain()
    reply = (await reader.readline()).decode().strip()
    writer.close()
    server.close()
    await server.wait_closed()
    print("asyncio", reply)

    results = await asyncio.gather(*(asyncio.sleep(0.01 * i, result=i) for i in range(5)))
    print("asyncio gather", results)

    process = await asyncio.create_subprocess_exec("echo", "asyncio child", stdout=asyncio.subprocess.PIPE)
    out, _ = await process.communicate()
    print(out.decode().strip(), await process.wait())

    loop = asyncio.get_running_loop()
    print("asyncio executor", await loop.run_in_executor(None, square, 9))
    try:
        await asyncio.wait_for(asyncio.sleep(5), timeout=0.05)
    except asyncio.TimeoutError:
        print("asyncio timeout")


def check_tempfile():
    with tempfile.TemporaryDirectory() as directory:
        with tempfile.NamedTemporaryFile("w+", dir=directory, delete=False) as f:
            f.write("temporary")
            name = f.name
        with open(name) as f:
            print("tempfile", f.read(), os.path.dirname(name) == directory)
    print("tempfile removed", not os.path.exists(directory))
    with tempfile.TemporaryFile() as f:
        f.write(b"anonymous")
        f.seek(0)
        print("tempfile anonymous", f.read().decode())


def check_signals():
    received = []
    signal.signal(signal.SIGUSR1, lambda signum, frame: received.append("USR1"))
    os.kill(os.getpid(), signal.SIGUSR1)
    signal.signal(signal.SIGALRM, lambda signum, frame: received.append("ALRM"))
    signal.setitimer(signal.ITIMER_REAL, 0.2)
    started = time.monotonic()
    signal.pause()
    print("signal.pause waited", time.monotonic() - started >= 0.15)
    signal.alarm(1)
    signal.alarm(0)
    print("signals", received)
    old = signal.signal(signal.SIGTERM, signal.SIG_IGN)
    os.kill(os.getpid(), signal.SIGTERM)
    signal.signal(signal.SIGTERM, old)
    print("signal ignored")


def check_process_queries():
    print("process group", os.getpgid(0) == os.getpgrp(), "session", os.getsid(0) > 0)
    print("scheduler", os.sched_getscheduler(0) == os.SCHED_OTHER, os.sched_getparam(0).sched_priority,
          os.sched_get_priority_max(os.SCHED_OTHER), len(os.sched_getaffinity(0)) > 0)


def main():
    scratch = sys.argv[1]
    check_threads()
    check_lock_timeouts()
    check_multiprocessing()
    check_subprocess()
    check_tcp()
    check_unix_socket(scratch)
    check_mmap(scratch)
    check_shared_memory()
    asyncio.run(asyncio_main())
    check_tempfile()
    check_signals()
    check_process_queries()
    print("python done")


if __name__ == "__main__":
    main()
