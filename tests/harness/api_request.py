#!/usr/bin/env python3
"""One HTTPS request to a deployed HTTP API on the local emulator, for tests/e2e_api.rs.

Usage: api_request.py ENDPOINT METHOD PATH CA_BUNDLE, with the Authorization header in
DTR_API_AUTHORIZATION and a JSON body in DTR_API_BODY (both optional; keys stay off the command line).
ENDPOINT is the API's URL as AWS names it (https://<id>.execute-api.localhost:<port>): the request goes
to 127.0.0.1 on that port with that Host header, since `*.localhost` need not resolve. Prints
{"status": <int>, "body": <text>}.
"""
import http.client
import json
import os
import ssl
import sys
from urllib.parse import urlsplit


def main() -> None:
    endpoint, method, path, ca_bundle = sys.argv[1:5]
    url = urlsplit(endpoint)
    connection = http.client.HTTPSConnection(
        "127.0.0.1", url.port or 443, timeout=120, context=ssl.create_default_context(cafile=ca_bundle))
    headers = {"Host": url.netloc}
    if "DTR_API_AUTHORIZATION" in os.environ:
        headers["Authorization"] = os.environ["DTR_API_AUTHORIZATION"]
    body = os.environ.get("DTR_API_BODY")
    if body is not None:
        headers["Content-Type"] = "application/json"
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    print(json.dumps({"status": response.status, "body": response.read().decode("utf-8", "replace")}))


if __name__ == "__main__":
    main()
