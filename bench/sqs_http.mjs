// A minimal SQS client for the benchmark and soak scripts: AWS JSON protocol requests over
// node:http with a keep-alive agent (about a quarter of fetch's CPU per call). fauxqs checks no
// signature; it only reads the region from the credential scope.
import http from "node:http";

export function sqsHeaders(action) {
  return {
    "X-Amz-Target": `AmazonSQS.${action}`,
    "Content-Type": "application/x-amz-json-1.0",
    Authorization:
      "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00",
  };
}

// Returns {post(action, body) -> Promise<{ok, status, text}>, close()} for the endpoint URL.
export function sqsHttpClient(endpointUrl) {
  const endpoint = new URL(endpointUrl);
  const agent = new http.Agent({ keepAlive: true, maxSockets: Infinity });
  function post(action, body) {
    const data = Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent,
          hostname: endpoint.hostname,
          port: endpoint.port,
          method: "POST",
          path: "/",
          headers: { ...sqsHeaders(action), "Content-Length": data.length },
        },
        (res) => {
          const chunks = [];
          res.on("data", (c) => chunks.push(c));
          res.on("end", () => {
            const status = res.statusCode;
            resolve({ ok: status >= 200 && status < 300, status, text: Buffer.concat(chunks).toString() });
          });
          res.on("error", reject);
        },
      );
      req.on("error", reject);
      req.end(data);
    });
  }
  return { post, close: () => agent.destroy() };
}
