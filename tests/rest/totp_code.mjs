// The TOTP code of an otpauth:// URI now (or at an offset of 30-second steps),
// computed by npm otpauth: the test's authenticator app.
//
//   node tests/rest/totp_code.mjs <otpauth-uri> [step-offset]
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const OTPAuth = require("otpauth");

const totp = OTPAuth.URI.parse(process.argv[2]);
const offset = Number(process.argv[3] ?? 0);
process.stdout.write(totp.generate({ timestamp: Date.now() + offset * totp.period * 1000 }) + "\n");
