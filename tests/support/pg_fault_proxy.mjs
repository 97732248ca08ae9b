#!/usr/bin/env node
// pg_fault_proxy: a TCP proxy between a PostgreSQL client (sqs2pg) and a PostgreSQL server that
// understands just enough of the v3 wire protocol to find the client's COMMIT and fault it, so
// tests can show what happens when a commit's fate is unknown or when COMMIT is answered ROLLBACK.
// Node 20, built-in modules only.
//
// Usage:
//   node pg_fault_proxy.mjs --upstream-port PORT [--upstream-host 127.0.0.1] [--port 0]
//        --fault cut-before-commit|cut-after-commit|rollback-commit [--times 1]
//
// Contract:
//  - Listens on 127.0.0.1 (--port 0: a port the OS picks) and prints exactly one line on stdout,
//    "LISTENING <port>", once it accepts connections. Problems go to stderr. Exits 0 on
//    SIGTERM/SIGINT, 2 on a bad flag.
//  - Every connection is relayed to the upstream byte for byte, except as below. The client must
//    not negotiate TLS or GSS encryption (sslmode=disable gssencmode=disable): an SSLRequest or
//    GSSENCRequest is relayed, but a server that accepts one would leave the proxy unable to read
//    the messages that follow (the test server has neither, and answers 'N').
//  - Client messages are parsed: the untyped start-up packets, then typed messages (a type byte
//    and an int32 length that counts itself). A simple-query message ('Q') whose text is COMMIT
//    (any case, optional trailing ';' and whitespace) is a commit; the first --times (default 1)
//    commits seen over all connections are faulted, later ones pass:
//      cut-before-commit  both connections are closed; the server never sees the COMMIT, so it
//                         rolls the transaction back; the client sees the connection lost.
//      cut-after-commit   the COMMIT is forwarded; as soon as the server's first answer to it
//                         arrives (the commit is done), both connections are closed without that
//                         answer reaching the client: a commit whose outcome the client never
//                         learns.
//      rollback-commit    the query text is replaced by ROLLBACK: the server rolls back and
//                         answers CommandComplete "ROLLBACK" and ReadyForQuery, exactly as it
//                         answers COMMIT in a transaction that had already failed.
//  - A connection whose first four bytes are "GET " is an HTTP request for the counters: it is
//    answered with JSON {connections, commits, faults} and closed (whatever its path), so
//    StandIn (tests/support/stand_in.h) can read them at /__stats.
import net from "node:net";
import process from "node:process";

const FAULTS = ["cut-before-commit", "cut-after-commit", "rollback-commit"];
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;

function usage(message) {
  process.stderr.write(`pg_fault_proxy: ${message}\n`);
  process.exit(2);
}

function parseInteger(flag, value, min) {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) usage(`${flag} wants an integer >= ${min}, not '${value}'`);
  return n;
}

function parseArgs(argv) {
  const o = { upstreamHost: "127.0.0.1", upstreamPort: 0, port: 0, fault: "", times: 1 };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined) usage(`${flag} needs a value`);
    switch (flag) {
      case "--upstream-host":
        o.upstreamHost = value;
        break;
      case "--upstream-port":
        o.upstreamPort = parseInteger(flag, value, 1);
        break;
      case "--port":
        o.port = parseInteger(flag, value, 0);
        break;
      case "--fault":
        if (!FAULTS.includes(value)) usage(`unknown fault '${value}'`);
        o.fault = value;
        break;
      case "--times":
        o.times = parseInteger(flag, value, 0);
        break;
      default:
        usage(`unknown flag '${flag}'`);
    }
  }
  if (o.upstreamPort === 0) usage("--upstream-port is required");
  if (o.fault === "") usage("--fault is required");
  return o;
}

const opts = parseArgs(process.argv.slice(2));
const stats = { connections: 0, commits: 0, faults: 0 };

function isCommit(body) {
  // The body of 'Q' is a NUL-terminated string.
  const end = body.indexOf(0);
  const text = body.subarray(0, end < 0 ? body.length : end).toString("utf8");
  return /^\s*commit\s*;?\s*$/i.test(text);
}

function queryMessage(text) {
  const body = Buffer.from(`${text}\0`, "utf8");
  const head = Buffer.alloc(5);
  head.write("Q", 0, "latin1");
  head.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([head, body]);
}

function serveStats(client, first) {
  // Waits for the end of the request head; the request itself is not parsed.
  let head = first;
  const answer = () => {
    const body = JSON.stringify(stats);
    client.end(
      "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n" +
        `content-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
  };
  if (head.includes("\r\n\r\n")) return answer();
  const more = (chunk) => {
    head += chunk.toString("latin1");
    if (!head.includes("\r\n\r\n")) return;
    client.off("data", more);
    answer();
  };
  client.on("data", more);
}

function relay(client, head) {
  ++stats.connections;
  const server = net.connect(opts.upstreamPort, opts.upstreamHost);
  let buffer = head;
  let startup = true; // untyped packets until the StartupMessage
  let awaitingCommitAnswer = false; // cut-after-commit: the next server bytes answer the COMMIT
  let closed = false;

  const closeBoth = () => {
    if (closed) return;
    closed = true;
    client.destroy();
    server.destroy();
  };
  client.on("error", closeBoth);
  server.on("error", closeBoth);
  client.on("close", closeBoth);
  server.on("close", closeBoth);

  server.on("data", (chunk) => {
    if (closed) return;
    if (awaitingCommitAnswer) {
      closeBoth(); // committed on the server; the client never hears of it
      return;
    }
    client.write(chunk);
  });

  const pump = () => {
    while (!closed) {
      if (startup) {
        if (buffer.length < 8) return;
        const length = buffer.readInt32BE(0);
        if (buffer.length < length) return;
        const code = buffer.readInt32BE(4);
        server.write(buffer.subarray(0, length));
        buffer = buffer.subarray(length);
        if (code !== SSL_REQUEST && code !== GSSENC_REQUEST) startup = false;
        continue;
      }
      if (buffer.length < 5) return;
      const length = buffer.readInt32BE(1);
      if (buffer.length < 1 + length) return;
      const message = buffer.subarray(0, 1 + length);
      buffer = buffer.subarray(1 + length);
      if (message[0] === 0x51 /* 'Q' */ && isCommit(message.subarray(5))) {
        ++stats.commits;
        if (stats.faults < opts.times) {
          ++stats.faults;
          if (opts.fault === "cut-before-commit") {
            closeBoth();
            return;
          }
          if (opts.fault === "rollback-commit") {
            server.write(queryMessage("ROLLBACK"));
            continue;
          }
          awaitingCommitAnswer = true; // cut-after-commit
        }
      }
      server.write(message);
    }
  };

  client.on("data", (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    pump();
  });
  pump();
}

const proxy = net.createServer((client) => {
  client.on("error", () => {});
  client.once("data", (first) => {
    if (first.subarray(0, 4).toString("latin1") === "GET ") {
      serveStats(client, first.toString("latin1"));
      return;
    }
    relay(client, first);
  });
});

proxy.listen(opts.port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${proxy.address().port}\n`);
});

function shutdown() {
  proxy.close();
  process.exit(0);
}
process.on("SIGTERM", shutdown);
process.on("SIGINT", shutdown);
