// Shared by the Node interop tests (*.test.mjs): starting a cognate, calling its API, and
// the storage amazon-cognito-identity-js is given. Not itself a test file: `node --test`
// picks up only names such as *.test.mjs.

import { spawn } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";

/** Starts `cognate serve` on a free port with a fresh data directory. */
export async function startServer(...extra) {
  const bin = process.env.COGNATE_BIN;
  if (!bin) throw new Error("COGNATE_BIN must name the cognate binary");
  const data = mkdtempSync(join(tmpdir(), "cognate-interop-node-"));
  const proc = spawn(bin, ["serve", "--listen", "127.0.0.1:0", "--data", data, "--log", "warn", ...extra], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr.setEncoding("utf8");
  proc.stderr.on("data", (chunk) => {
    stderr += chunk;
  });
  const exited = new Promise((resolve) => proc.once("exit", (code, signal) => resolve({ code, signal })));
  const lines = createInterface({ input: proc.stdout });
  let timer;
  try {
    const url = await Promise.race([
      new Promise((resolve, reject) => {
        lines.once("line", (line) => {
          const m = /^listening on (127\.0\.0\.1:\d+)$/.exec(line.trim());
          if (m) resolve(`http://${m[1]}`);
          else reject(new Error(`unexpected first line from cognate: ${JSON.stringify(line)}`));
        });
      }),
      exited.then(({ code, signal }) => {
        throw new Error(`cognate exited before listening (code ${code}, signal ${signal}): ${stderr}`);
      }),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`cognate did not start within 15 s: ${stderr}`)), 15_000);
      }),
    ]);
    return {
      url,
      stderr: () => stderr,
      async stop() {
        lines.close();
        if (proc.exitCode === null && proc.signalCode === null) {
          proc.kill("SIGTERM");
          const killer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
          await exited;
          clearTimeout(killer);
        }
        rmSync(data, { recursive: true, force: true });
      },
    };
  } catch (err) {
    proc.kill("SIGKILL");
    rmSync(data, { recursive: true, force: true });
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** One call of the AWS JSON 1.1 protocol (no signature needed); throws on a non-200 answer. */
export async function call(baseUrl, op, body) {
  const resp = await fetch(`${baseUrl}/`, {
    method: "POST",
    headers: {
      "Content-Type": "application/x-amz-json-1.1",
      "X-Amz-Target": `AWSCognitoIdentityProviderService.${op}`,
    },
    body: JSON.stringify(body),
  });
  const text = await resp.text();
  if (resp.status !== 200) {
    throw new Error(`${op} ${JSON.stringify(body)} → HTTP ${resp.status}: ${text}`);
  }
  return text ? JSON.parse(text) : {};
}

/**
 * Storage private to one test, so the library's cached "LastAuthUser" never leaks across tests.
 * It behaves as a browser's window.localStorage (the library's storage in a browser): getItem
 * answers null for a missing key, so refreshSession sends `"DEVICE_KEY": null` as browsers do.
 */
export function memoryStorage() {
  const items = new Map();
  return {
    setItem: (k, v) => void items.set(k, String(v)),
    getItem: (k) => (items.has(k) ? items.get(k) : null),
    removeItem: (k) => void items.delete(k),
    clear: () => items.clear(),
  };
}

/** A Node-style callback settling a promise. */
export const nodeCallback = (resolve, reject) => (err, result) => (err ? reject(err) : resolve(result));

// ---------------------------------------------------------------------------------------------
// TOTP (RFC 6238: HMAC-SHA-1, 6 digits, 30 s), as an authenticator app computes it

export function base32Decode(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  const out = [];
  let buffer = 0;
  let bits = 0;
  for (const c of text.replace(/=+$/, "")) {
    const v = alphabet.indexOf(c.toUpperCase());
    if (v < 0) throw new Error(`not base32: ${c}`);
    buffer = (buffer << 5) | v;
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push((buffer >> bits) & 0xff);
    }
  }
  return Buffer.from(out);
}

export const stepNow = () => Math.floor(Date.now() / 1000 / 30);

export function totp(secret, step) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac("sha1", base32Decode(secret)).update(counter).digest();
  const offset = mac[mac.length - 1] & 0x0f;
  const n = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(n % 1_000_000).padStart(6, "0");
}
