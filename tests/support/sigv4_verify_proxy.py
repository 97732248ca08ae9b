#!/usr/bin/env python3
"""A SigV4-verifying HTTP proxy for integration tests.

Every request that arrives is re-signed with botocore (the AWS SDK for Python's signer) using the
credentials given on the command line, the region and service named in the request's own credential
scope, and the request's own X-Amz-Date. If botocore's Authorization header equals the one the
client sent, the request is forwarded unchanged to --upstream and the upstream's response is relayed
back; the operation name is appended to --ok-log. Otherwise the proxy answers HTTP 403 with an SQS
JSON error (SignatureDoesNotMatch) and appends one line to --fail-log.

Besides the signature itself, it insists on what AWS insists on: host and x-amz-date signed, every
x-amz-* header and content-type signed when present, the access key id expected, the scope date
equal to X-Amz-Date's date, X-Amz-Date within --max-skew seconds of now, and, when --session-token
is given, an X-Amz-Security-Token that equals it and is signed.

Logs never contain secrets, tokens or bodies: a log line is "<operation> <reason>".

Usage:
  sigv4_verify_proxy.py --port 0 --upstream http://127.0.0.1:4566 \
      --access-key AKID --secret-key SECRET [--session-token TOKEN] \
      [--ok-log ok.txt] [--fail-log fail.txt]
With --port 0 it picks a free port. Either way it prints "LISTENING <port>" on stdout once ready.
Stdlib + botocore only.
"""

import argparse
import calendar
import hmac
import http.client
import json
import re
import signal
import sys
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

AUTH_RE = re.compile(
    r"^AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request, ?SignedHeaders=(?P<signed>[a-z0-9;\-]+), ?"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade",
}


class Verifier:
    def __init__(self, args):
        self.access_key = args.access_key
        self.secret_key = args.secret_key
        self.session_token = args.session_token or None
        self.max_skew = args.max_skew

    def check(self, method, path, headers, body):
        """Returns None if the request is correctly signed, else a short reason (no secrets)."""
        authz = headers.get("Authorization")
        if not authz:
            return "missing Authorization"
        m = AUTH_RE.match(authz.strip())
        if not m:
            return "malformed Authorization"
        if m["key"] != self.access_key:
            return "unexpected access key id " + m["key"][:4] + "..."
        amz_date = headers.get("X-Amz-Date", "")
        if not re.fullmatch(r"\d{8}T\d{6}Z", amz_date):
            return "missing or malformed X-Amz-Date"
        if amz_date[:8] != m["date"]:
            return "scope date differs from X-Amz-Date"
        if self.max_skew > 0:
            signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
            if abs(time.time() - signed_at) > self.max_skew:
                return "X-Amz-Date too far from now"

        signed = m["signed"].split(";")
        if signed != sorted(set(signed)):
            return "SignedHeaders not sorted and unique"
        present = {name.lower() for name in headers.keys()}
        must_sign = {"host", "x-amz-date"}
        must_sign |= {n for n in present if n.startswith("x-amz-") or n == "content-type"}
        missing = sorted((must_sign - set(signed)) | (set(signed) - present))
        if missing:
            return "header(s) not signed or not sent: " + ",".join(missing)
        if self.session_token is not None:
            given = headers.get("X-Amz-Security-Token", "")
            if not hmac.compare_digest(given.encode(), self.session_token.encode()):
                return "wrong or missing X-Amz-Security-Token"
        elif "x-amz-security-token" in present:
            return "unexpected X-Amz-Security-Token"

        # Re-sign exactly the signed headers, with their values as received.
        to_sign = {}
        for name in signed:
            to_sign[name] = ",".join(headers.get_all(name) or [])
        request = AWSRequest(method=method, url="http://" + headers["Host"] + path, data=body,
                             headers=to_sign)
        creds = Credentials(self.access_key, self.secret_key, self.session_token)
        auth = SigV4Auth(creds, m["service"], m["region"])
        request.context["timestamp"] = amz_date
        # What SigV4Auth.add_auth does, minus reading the clock.
        auth._modify_request_before_signing(request)
        canonical = auth.canonical_request(request)
        string_to_sign = auth.string_to_sign(request, canonical)
        auth._inject_signature_to_request(request, auth.signature(string_to_sign, request))
        expected = request.headers["Authorization"]
        if not hmac.compare_digest(expected.encode(), authz.strip().encode()):
            return "signature mismatch"
        return None


def operation_name(headers, body):
    target = headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    # Query protocol: Action=... in a form body.
    try:
        action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
    except ValueError:
        action = None
    return action[0] if action else "-"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the client under test expects
    server_version = "sigv4-verify-proxy"

    def log_message(self, fmt, *args):  # quiet; the logs are the ok/fail files
        pass

    def _read_body(self):
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _reply(self, status, headers, body):
        self.send_response(status)
        for name, value in headers:
            if name.lower() not in HOP_BY_HOP and name.lower() != "content-length":
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _handle(self):
        body = self._read_body()
        op = operation_name(self.headers, body)
        try:
            reason = self.server.verifier.check(self.command, self.path, self.headers, body)
        except Exception as e:  # a request botocore cannot even sign is a failed signature
            reason = "verifier error: " + type(e).__name__
        if reason is not None:
            self.server.log_line(self.server.fail_log, op + " " + reason)
            error = {"__type": "com.amazonaws.sqs#SignatureDoesNotMatch",
                     "message": "sigv4_verify_proxy: " + reason}
            self._reply(403, [("Content-Type", "application/x-amz-json-1.0"),
                              ("x-amzn-query-error", "SignatureDoesNotMatch;Sender")],
                        json.dumps(error).encode())
            return
        self.server.log_line(self.server.ok_log, op)
        status, headers, payload = self.server.forward(self.command, self.path, self.headers, body)
        self._reply(status, headers, payload)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _handle


class Proxy(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, args):
        super().__init__((args.bind, args.port), Handler)
        self.verifier = Verifier(args)
        upstream = urllib.parse.urlsplit(args.upstream)
        if upstream.scheme != "http" or not upstream.hostname:
            raise SystemExit("--upstream must be http://host:port")
        self.upstream_host = upstream.hostname
        self.upstream_port = upstream.port or 80
        self.ok_log = args.ok_log
        self.fail_log = args.fail_log
        self._log_lock = threading.Lock()

    def log_line(self, path, line):
        if not path:
            return
        with self._log_lock, open(path, "a", encoding="utf-8") as f:
            f.write(line + "\n")

    def forward(self, method, path, headers, body):
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            # The Host header stays the signed one, in case the upstream verifies signatures too.
            out = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
            out["Content-Length"] = str(len(body))
            conn.request(method, path, body=body, headers=out)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        except OSError as e:
            error = {"__type": "com.amazonaws.sqs#ServiceUnavailable",
                     "message": "sigv4_verify_proxy: upstream unreachable: " + type(e).__name__}
            return 502, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(error).encode()
        finally:
            conn.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--upstream", required=True, help="http://127.0.0.1:PORT")
    p.add_argument("--access-key", required=True)
    p.add_argument("--secret-key", required=True)
    p.add_argument("--session-token", default="")
    p.add_argument("--ok-log", default="")
    p.add_argument("--fail-log", default="")
    p.add_argument("--max-skew", type=int, default=900,
                   help="max seconds between X-Amz-Date and now (AWS allows 15 min); 0 = off")
    args = p.parse_args()

    server = Proxy(args)
    signal.signal(signal.SIGTERM,
                  lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    print("LISTENING %d" % server.server_address[1], flush=True)
    try:
        server.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
