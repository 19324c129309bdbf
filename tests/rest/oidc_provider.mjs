// A real OpenID Connect provider (npm oidc-provider) for the sign-in tests of
// meldcoded (tests/rest/ui_auth_test.py), on a free loopback port.
//
//   node tests/rest/oidc_provider.mjs <client_id> <client_secret> <redirect_uri>...
//
// Prints {"issuer": "http://127.0.0.1:<port>"} on its first line, then serves
// until it is stopped. There is no login form: the test says who signs in and
// how through the authorization request's login_hint, "<sub>|<group>|<amr>"
// (amr "mfa" or "pwd", acr "urn:mfa" or "urn:pwd" with it), and the provider
// finishes the interaction with that login and a grant of the requested scopes.
// A browser test, which cannot add to the request a redirect sends it to, says
// it beforehand instead: POST /test/next-login with the hint as the body.
import http from "node:http";
import path from "node:path";
import process from "node:process";
import { createRequire } from "node:module";

const require = createRequire(path.join(process.cwd(), "package.json"));
const { default: Provider } = await import(require.resolve("oidc-provider"));

const [clientId, clientSecret, ...redirectUris] = process.argv.slice(2);
const accounts = new Map();  // sub -> group, as the login_hint named them
let nextLogin = "";  // for a request without login_hint (POST /test/next-login)

const server = http.createServer();
await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const provider = new Provider(issuer, {
    clients: [{
        client_id: clientId,
        client_secret: clientSecret,
        redirect_uris: redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_basic",
    }],
    pkce: { required: () => true },
    // amr and acr with every ID token, as providers that enforce MFA send them.
    claims: { openid: ["sub", "amr", "acr"], groups: ["groups"] },
    conformIdTokenClaims: false,  // groups in the ID token, not only at userinfo
    findAccount: async (ctx, sub) => ({
        accountId: sub,
        claims: async () => ({ sub, groups: [accounts.get(sub) ?? "none"] }),
    }),
    interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
    features: { devInteractions: { enabled: false } },
    ttl: { Interaction: 600, Session: 600, Grant: 600, AuthorizationCode: 60, IdToken: 300, AccessToken: 300 },
});

// A failure inside the provider goes to stderr (the test's log), not only to
// the browser's error page.
provider.on("server_error", (ctx, error) => console.error("oidc-provider:", error));

async function finish(req, res) {
    const details = await provider.interactionDetails(req, res);
    const [sub, group, amr] = String(details.params.login_hint ?? nextLogin).split("|");
    accounts.set(sub, group);
    const grant = new provider.Grant({ accountId: sub, clientId });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, {
        login: { accountId: sub, amr: [amr], acr: `urn:${amr}` },
        consent: { grantId },
    }, { mergeWithLastSubmission: false });
}

const callback = provider.callback();
server.on("request", (req, res) => {
    if (req.method === "POST" && req.url === "/test/next-login") {
        let body = "";
        req.on("data", (chunk) => (body += chunk));
        req.on("end", () => {
            nextLogin = body;
            res.end();
        });
        return;
    }
    if (req.url.startsWith("/interaction/")) {
        finish(req, res).catch((error) => {
            res.statusCode = 500;
            res.end(String(error));
        });
        return;
    }
    callback(req, res);
});
process.stdout.write(JSON.stringify({ issuer }) + "\n");
process.on("SIGTERM", () => server.close(() => process.exit(0)));
