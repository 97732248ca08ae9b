// Forwarding for the loopback SQS stand-ins (tests/support/sqs_fault_proxy.mjs,
// bench/delay_proxy.mjs): read a request's body, send it upstream on a keep-alive agent, relay
// the answer. Bodies are buffered whole (SQS bodies are small); hop-by-hop headers are dropped in
// both directions and Content-Length is set from the buffered body. Node 20, built-ins only.
import http from "node:http";

const HOP_BY_HOP = ["transfer-encoding", "connection", "keep-alive"];

function withoutHopByHop(headers, body) {
  const out = { ...headers };
  for (const name of HOP_BY_HOP) delete out[name];
  out["content-length"] = String(body.length);
  return out;
}

// Resolves to the whole body of `req` as a Buffer.
export function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

// Sends `req`'s method, path and headers with `body` to `upstream` (a URL) through `agent`;
// resolves to {status, headers, body}; rejects on a transport error.
export function forward(agent, upstream, req, body) {
  return new Promise((resolve, reject) => {
    const up = http.request(
      {
        agent,
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: withoutHopByHop(req.headers, body),
      },
      (upRes) => {
        const chunks = [];
        upRes.on("data", (c) => chunks.push(c));
        upRes.on("end", () =>
          resolve({ status: upRes.statusCode, headers: upRes.headers, body: Buffer.concat(chunks) }),
        );
        upRes.on("error", reject);
      },
    );
    up.on("error", reject);
    up.end(body);
  });
}

// Writes an answer from forward() (its body possibly replaced) to `res`.
export function relay(res, answer) {
  res.writeHead(answer.status, withoutHopByHop(answer.headers, answer.body));
  res.end(answer.body);
}
