#!/usr/bin/env python3
"""Start MiniStack on loopback over HTTPS for dtr's end-to-end API test (tests/e2e_api.rs).

MiniStack (PyPI `ministack`, an independent AWS emulator) runs Python Lambda functions in local worker
processes, without Docker, and serves HTTP APIs with Lambda authorizers: what moto cannot do here.

Run it with any Python 3: on first use it creates its own virtualenv (DTR_MINISTACK_VENV, default
`.venv-ministack` beside moto's `.venv`) with the pinned packages of requirements-ministack.txt and
re-executes itself inside it. Its own, because MiniStack pins botocore exactly (==1.43.106) and an
older graphql-core than moto's: in moto's virtualenv it would downgrade what moto was measured with.

It generates a throw-away CA and server certificate (the moto launcher's), binds 127.0.0.1 on a free
port, and serves MiniStack there only: MiniStack's own entry point binds 0.0.0.0 and, over TLS, also
port 443 when it can, so it is not used. The function workers inherit this process's environment:
AWS_ENDPOINT_URL (this server) and AWS_CA_BUNDLE (the generated CA), so the handlers' boto3 calls come
back here over HTTPS; they run on this virtualenv's Python, which has boto3.

It prints one JSON line {"https_url", "ca_bundle"} once the socket listens, and exits when its stdin
closes (so a test that dies takes its server with it) or on SIGTERM/SIGINT.
"""
import argparse
import asyncio
import json
import os
import signal
import socket
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
VENV = os.environ.get("DTR_MINISTACK_VENV", os.path.join(ROOT, ".venv-ministack"))
REQUIREMENTS = os.path.join(HERE, "requirements-ministack.txt")


# The moto launcher's module, beside this one: its virtualenv installer (one definition of it).
sys.path.insert(0, HERE)
import moto_launcher  # noqa: E402


MOTO_LAUNCHER = moto_launcher


def venv_python() -> str:
    return MOTO_LAUNCHER.venv_python(VENV)


def ensure_venv() -> None:
    MOTO_LAUNCHER.ensure_venv(VENV, REQUIREMENTS)


def in_venv() -> bool:
    return MOTO_LAUNCHER.in_venv(VENV)


def make_certificates(directory: str):
    """The moto launcher's CA and server certificate (127.0.0.1 and localhost)."""
    return MOTO_LAUNCHER.make_certificates(directory)


def serve(args) -> None:
    ca, cert, key = make_certificates(args.cert_dir)
    # MiniStack unpacks each function for its workers under TMPDIR and, stopped, leaves it there:
    # keep all of it in the caller's directory, which the test removes.
    scratch = os.path.join(args.cert_dir, "tmp")
    os.makedirs(scratch, exist_ok=True)
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(128)
    port = listener.getsockname()[1]
    url = f"https://127.0.0.1:{port}"
    # Read by ministack.app at import: the port and host it names in URLs (an API's endpoint is
    # https://<id>.execute-api.localhost:<port>), the account, TLS for what it tells its workers.
    os.environ.update({
        "GATEWAY_PORT": str(port),
        "MINISTACK_HOST": "localhost",
        "MINISTACK_ACCOUNT_ID": args.account,
        "MINISTACK_REGION": "us-east-1",
        "USE_SSL": "1",
        "MINISTACK_SSL_CERT": cert,
        "MINISTACK_SSL_KEY": key,
        "AWS_ENDPOINT_URL": url,
        "AWS_CA_BUNDLE": ca,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "AWS_SECRET_ACCESS_KEY": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
        "S3_PERSIST": "0",
        "S3_DATA_DIR": os.path.join(scratch, "s3"),
        # Listeners MiniStack opens by itself, on every interface: the IoT MQTT broker (8883) and SFTP.
        "IOT_MTLS_ENABLED": "0",
        "SFTP_ENABLED": "0",
        # A worker MiniStack does not pool runs `python3` from PATH: this virtualenv's, with boto3.
        "PATH": os.path.join(VENV, "bin") + os.pathsep + os.environ.get("PATH", ""),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "WARNING"),
    })
    from hypercorn.asyncio import serve as hypercorn_serve
    from hypercorn.config import Config

    from ministack.app import app

    config = Config()
    config.bind = [f"fd://{listener.fileno()}"]
    config.certfile, config.keyfile = cert, key
    config.keep_alive_timeout = 75
    config.loglevel = os.environ["LOG_LEVEL"]

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        if args.until_stdin_closes:
            def watch_stdin():
                while sys.stdin.buffer.read(4096):
                    pass
                loop.call_soon_threadsafe(stop.set)
            threading.Thread(target=watch_stdin, daemon=True).start()
        print(json.dumps({"https_url": url, "ca_bundle": ca}), flush=True)
        await hypercorn_serve(app, config, shutdown_trigger=stop.wait)

    asyncio.run(run())
    # MiniStack's warm function workers are this process's children: do not wait on them.
    os._exit(0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cert-dir", help="where to write ca.pem, server.pem and server.key")
    parser.add_argument("--account", default="123456789012", help="the emulated account id")
    parser.add_argument("--until-stdin-closes", action="store_true",
                        help="exit when standard input reaches end of file")
    parser.add_argument("--ensure-venv-only", action="store_true",
                        help="create the virtualenv and exit")
    args = parser.parse_args()
    if not in_venv():
        ensure_venv()
        if args.ensure_venv_only:
            return
        os.execv(venv_python(), [venv_python(), os.path.abspath(__file__)] + sys.argv[1:])
    if args.ensure_venv_only:
        return
    if not args.cert_dir:
        parser.error("--cert-dir is required")
    serve(args)


if __name__ == "__main__":
    main()
