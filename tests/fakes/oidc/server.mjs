// A local OpenID provider shaped like Keycloak, for Noumaris's tests.
//
// `node server.mjs config.json` listens on 127.0.0.1 (port 0 = any free one) and
// prints one line `READY <issuer>` once it answers. The issuer and the endpoints
// use Keycloak's paths: /realms/<realm>/protocol/openid-connect/{auth,token,
// userinfo,certs,logout}. The real `oidc-provider` library does the protocol:
// authorization code with PKCE, client credentials, RP-initiated logout, RS256.
//
// Test-only extras: a plain sign-in form at /realms/<realm>/login-actions/<uid>,
// and PATCH /_fake/users/<username> (JSON) to change a user between sign-ins.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';

import Provider from 'oidc-provider';

const config = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const realm = config.realm || 'noumaris';
const mount = `/realms/${realm}`;
const users = new Map(config.users.map((user) => [user.username, { ...user }]));
const bySub = (sub) => [...users.values()].find((user) => user.sub === sub);
const apiResource = 'urn:noumaris:api';

const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: `rsa-${crypto.randomUUID()}`, alg: 'RS256', use: 'sig' };

function escape(text) {
  return String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>`
    + `<body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

function loginForm(uid, error) {
  return page('Sign in to your account', `
    ${error ? `<p role="alert">${escape(error)}</p>` : ''}
    <form method="post" action="${mount}/login-actions/${escape(uid)}">
      <label for="username">Username or email</label>
      <input id="username" name="username" autocomplete="username" autofocus>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password">
      <button type="submit">Sign In</button>
    </form>`);
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
}

const server = http.createServer();
server.listen(config.port || 0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}${mount}`;
  const web = config.web_client;

  const provider = new Provider(issuer, {
    clients: [
      {
        client_id: web.client_id,
        client_secret: web.client_secret,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        // Checked by the overrides below: any loopback or test host, our paths.
        redirect_uris: ['http://127.0.0.1/oidc/callback/'],
        post_logout_redirect_uris: ['http://127.0.0.1/signed-out'],
        token_endpoint_auth_method: 'client_secret_post',
      },
      ...config.service_clients.map((client) => ({
        client_id: client.client_id,
        client_secret: client.client_secret,
        grant_types: ['client_credentials'],
        response_types: [],
        redirect_uris: [],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
    ],
    jwks: { keys: [signingKey] },
    cookies: { keys: [crypto.randomBytes(32).toString('hex')] },
    routes: {
      authorization: '/protocol/openid-connect/auth',
      token: '/protocol/openid-connect/token',
      userinfo: '/protocol/openid-connect/userinfo',
      jwks: '/protocol/openid-connect/certs',
      end_session: '/protocol/openid-connect/logout',
      introspection: '/protocol/openid-connect/token/introspect',
      revocation: '/protocol/openid-connect/revoke',
    },
    claims: {
      openid: ['sub', 'realm_access'],
      email: ['email', 'email_verified'],
      profile: ['name', 'given_name', 'family_name', 'preferred_username'],
    },
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        // Keycloak ends the session without asking when the RP sends id_token_hint.
        async logoutSource(ctx, form) {
          ctx.body = page('Signing you out', `${form}
            <input type="hidden" name="logout" value="yes" form="op.logoutForm">
            <button type="submit" form="op.logoutForm">Sign out</button>
            <script>document.getElementById('op.logoutForm').submit()</script>`);
        },
      },
      resourceIndicators: {
        enabled: true,
        // Client-credentials tokens are for the API: JWTs with our audience.
        async defaultResource(ctx) {
          return ctx.oidc.params?.grant_type === 'client_credentials' ? apiResource : undefined;
        },
        async useGrantedResource() {
          return false;
        },
        async getResourceServerInfo() {
          return {
            scope: '',
            audience: config.api_audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: 300,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    formats: {
      customizers: {
        // Shape access tokens like Keycloak's.
        async jwt(ctx, token, jwt) {
          jwt.payload.azp = token.clientId;
          jwt.payload.typ = 'Bearer';
        },
      },
    },
    async findAccount(ctx, sub) {
      const user = bySub(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          const current = bySub(sub);
          return {
            sub,
            email: current.email,
            email_verified: current.email_verified !== false,
            preferred_username: current.username,
            given_name: current.given_name,
            family_name: current.family_name,
            name: [current.given_name, current.family_name].filter(Boolean).join(' '),
            realm_access: { roles: current.roles || [] },
          };
        },
      };
    },
    // A first-party client: no consent screen (Keycloak's default).
    async loadExistingGrant(ctx) {
      const { client, session } = ctx.oidc;
      const grantId = ctx.oidc.result?.consent?.grantId || session.grantIdFor(client.clientId);
      if (grantId) {
        const grant = await ctx.oidc.provider.Grant.find(grantId);
        if (grant) return grant;
      }
      const grant = new ctx.oidc.provider.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope('openid email profile offline_access');
      await grant.save();
      return grant;
    },
    interactions: {
      url: (ctx, interaction) => `${mount}/login-actions/${interaction.uid}`,
    },
    ttl: {
      AccessToken: 300,
      ClientCredentials: 300,
      IdToken: 300,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
  });
  provider.proxy = false;

  // Any host, as long as it is our callback and signed-out paths (ports vary).
  const { Client } = provider;
  Client.prototype.redirectUriAllowed = function allowed(uri) {
    return this.clientId === web.client_id && new URL(uri).pathname === '/oidc/callback/';
  };
  Client.prototype.postLogoutRedirectUriAllowed = function allowed(uri) {
    return this.clientId === web.client_id && new URL(uri).pathname === '/signed-out';
  };

  provider.on('server_error', (ctx, error) => console.error('server_error', error));

  // The sign-in form: Keycloak's login page, reduced to username and password.
  provider.use(async (ctx, next) => {
    const match = ctx.path.match(/^\/login-actions\/([\w-]+)$/);
    if (!match) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== match[1]) ctx.throw(400, 'interaction mismatch');
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.body = loginForm(details.uid);
      return undefined;
    }
    const form = await readForm(ctx.req);
    const login = form.get('username') || '';
    const user = users.get(login) || [...users.values()].find((u) => u.email === login);
    if (!user || user.password !== form.get('password')) {
      ctx.type = 'html';
      ctx.status = 200;
      ctx.body = loginForm(details.uid, 'Invalid username or password.');
      return undefined;
    }
    const redirectTo = await provider.interactionResult(
      ctx.req,
      ctx.res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    );
    ctx.redirect(redirectTo);
    return undefined;
  });

  const handle = provider.callback();
  server.on('request', async (req, res) => {
    const url = new URL(req.url, issuer);
    if (url.pathname === '/_fake/reset' && req.method === 'POST') {
      users.clear();
      config.users.forEach((user) => users.set(user.username, { ...user }));
      res.writeHead(204).end();
      return;
    }
    const control = url.pathname.match(/^\/_fake\/users\/([^/]+)$/);
    if (control && req.method === 'PATCH') {
      const user = users.get(decodeURIComponent(control[1]));
      if (!user) {
        res.writeHead(404).end();
        return;
      }
      Object.assign(user, await readJson(req));
      res.writeHead(204).end();
      return;
    }
    if (url.pathname === mount || url.pathname.startsWith(`${mount}/`)) {
      req.originalUrl = req.url;
      req.url = req.url.slice(mount.length) || '/';
      handle(req, res);
      return;
    }
    res.writeHead(404).end();
  });

  console.log(`READY ${issuer}`);
});
