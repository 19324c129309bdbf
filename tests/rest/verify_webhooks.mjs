// Checks deliveries recorded by webhook_receiver.py with the Node.js snippet
// of docs/webhooks.md, run as written there: each must verify, and neither a
// tampered body nor a wrong secret may.
// Usage: node verify_webhooks.mjs docs/webhooks.md record.jsonl secret
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

const [doc, recordFile, secret] = process.argv.slice(2);
const code = /```js checked-by=tests\/rest\/verify_webhooks.mjs\n([\s\S]*?)```/.exec(
  readFileSync(doc, "utf8"),
)[1];
const verify = new Function("require", `${code}\nreturn verifyMeldcodeSignature;`)(
  createRequire(import.meta.url),
);

let failures = 0;
const lines = readFileSync(recordFile, "utf8").split("\n").filter(Boolean);
for (const line of lines) {
  const { event_id: id, signature, body } = JSON.parse(line);
  const raw = Buffer.from(body, "utf8");
  const checks = {
    verifies: verify(secret, signature, raw) === true,
    // Every body holds its event id: alter that.
    "tampered body fails": verify(secret, signature, Buffer.from(body.replace("evt_", "evt-"))) === false,
    "wrong secret fails": verify(`${secret}x`, signature, raw) === false,
    "stale timestamp fails": verify(secret, signature, raw, -1) === false,
  };
  for (const [name, ok] of Object.entries(checks)) {
    if (!ok) {
      console.error(`${id}: ${name}: FAILED`);
      failures += 1;
    }
  }
}
console.log(`${lines.length} deliveries checked, ${failures} failures`);
process.exit(lines.length > 0 && failures === 0 ? 0 : 1);
