"""A minimal HTTP CONNECT proxy on 127.0.0.1 for tests/proxy.rs: tunnels to loopback only, and
prints each CONNECT target on stdout (first line: the port it listens on)."""
import os
import select
import socket
import sys
import threading


def tunnel(client):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = client.recv(4096)
            if not chunk:
                return
            head += chunk
        line = head.split(b"\r\n", 1)[0].decode()
        method, target, _ = line.split(" ", 2)
        host, port = target.rsplit(":", 1)
        if method != "CONNECT" or host not in ("127.0.0.1", "localhost"):
            client.sendall(b"HTTP/1.1 403 Forbidden\r\n\r\n")
            return
        print(f"CONNECT {target}", flush=True)
        upstream = socket.create_connection(("127.0.0.1", int(port)))
        client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        sockets = [client, upstream]
        while True:
            ready, _, _ = select.select(sockets, [], [], 60)
            if not ready:
                return
            for s in ready:
                data = s.recv(65536)
                if not data:
                    return
                (upstream if s is client else client).sendall(data)
    except OSError:
        return
    finally:
        client.close()


def main():
    server = socket.socket()
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    print(server.getsockname()[1], flush=True)

    def serve():
        while True:
            client, _ = server.accept()
            threading.Thread(target=tunnel, args=(client,), daemon=True).start()

    threading.Thread(target=serve, daemon=True).start()
    # Until the test closes our stdin (closing a listening socket does not wake accept()).
    sys.stdin.read()
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()
