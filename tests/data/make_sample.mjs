#!/usr/bin/env node
// Generates tests/data/sample_messages.jsonl, the bundled 100-message sample shaped like the
// assignment's queue: 99 login events and one message of another type. Values are fake but look
// real; the seed is fixed, so the output is the same on every run:
//
//   node tests/data/make_sample.mjs > tests/data/sample_messages.jsonl
//
// On purpose: 10 IPs appear 2-3 times and 8 device ids twice (so the analysts' duplicate queries on
// the masked columns find something), 10 events have "locale": null, and the odd message is
// {"foo": "oops_wrong_msg_type", "bar": "123"}.

// mulberry32: a tiny seeded PRNG, enough for test data.
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const rand = mulberry32(20250101);
const int = (lo, hi) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = (xs) => xs[int(0, xs.length - 1)];
const digits = (n) => Array.from({ length: n }, () => int(0, 9)).join("");

function shuffle(xs) {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = int(0, i);
    [xs[i], xs[j]] = [xs[j], xs[i]];
  }
  return xs;
}

function uuid4() {
  const hex = Array.from({ length: 32 }, () => int(0, 15).toString(16));
  hex[12] = "4";
  hex[16] = (8 + int(0, 3)).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

// A public-looking IPv4 address: no private, loopback, link-local, CGNAT or multicast ranges.
function publicIp() {
  for (;;) {
    const [a, b] = [int(1, 223), int(0, 255)];
    const reserved =
      a === 10 || a === 127 || (a === 100 && b >= 64 && b < 128) || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b < 32) || (a === 192 && b === 168);
    if (!reserved) return `${a}.${b}.${int(0, 255)}.${int(1, 254)}`;
  }
}

const deviceId = () => `${digits(3)}-${digits(2)}-${digits(4)}`;

// Draws values, none equal to one drawn before.
function uniques(make, n, seen = new Set()) {
  const out = [];
  while (out.length < n) {
    const v = make();
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

const EVENTS = 99;

// 10 repeated IPs: 4 of them three times and 6 twice (24 events); the other 75 unique.
const repeatedIps = uniques(publicIp, 10);
const ips = repeatedIps.flatMap((ip, i) => Array(i < 4 ? 3 : 2).fill(ip));
ips.push(...uniques(publicIp, EVENTS - ips.length, new Set(repeatedIps)));
shuffle(ips);

// 8 device ids twice each (16 events); the other 83 unique.
const repeatedDevices = uniques(deviceId, 8);
const devices = repeatedDevices.flatMap((d) => [d, d]);
devices.push(...uniques(deviceId, EVENTS - devices.length, new Set(repeatedDevices)));
shuffle(devices);

// 10 events without a locale.
const nullLocale = new Set(shuffle([...Array(EVENTS).keys()]).slice(0, 10));

const versions = ["2.3.0", "0.96", "3.7", "0.60", "1.0.5", "4.46.0", "5.0.5", "2.2.1", "0.2.6", "3.1"];
const locales = ["RU", "PH", "US", "ID", "CN", "BR", "IN", "DE", "PL", "FR", "PT", "MX", "NG", "GB"];

// Written the way the assignment's messages look: ", " and ": " separators, fixed key order.
const lines = [];
for (let i = 0; i < EVENTS; i++) {
  const event = {
    user_id: uuid4(),
    app_version: pick(versions),
    device_type: pick(["android", "ios"]),
    ip: ips[i],
    locale: nullLocale.has(i) ? null : pick(locales),
    device_id: devices[i],
  };
  const fields = Object.entries(event).map(([k, v]) => `${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  lines.push(`{${fields.join(", ")}}`);
}
lines.splice(int(20, 80), 0, '{"foo": "oops_wrong_msg_type", "bar": "123"}');
process.stdout.write(lines.join("\n") + "\n");
