// A fake Microsoft Entra ID for @azure/identity's client-secret flow, on loopback and over TLS, as MSAL requires
// (it refuses an authority that is not https). MSAL first asks Entra's public instance discovery endpoint
// (https://login.microsoftonline.com/common/discovery/instance) whether a custom authority host is trusted, and cannot
// be told not to from DefaultAzureCredential, so the child process that runs the credential goes through a loopback
// HTTPS proxy (HTTPS_PROXY, which Azure's HTTP pipeline honours) that tunnels login.microsoftonline.com to this fake and
// refuses every other outside host. The certificate, for 127.0.0.1 and login.microsoftonline.com, is made here with
// openssl and trusted by that child alone (NODE_EXTRA_CA_CERTS).
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer as createHttpServer, type IncomingMessage, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The public host MSAL asks about custom authorities. */
export const ENTRA_DISCOVERY_HOST = "login.microsoftonline.com";

/** One request the fake received. */
export interface EntraRequest {
  /** The Host header: the loopback authority, or login.microsoftonline.com for instance discovery. */
  host: string;
  method: string;
  path: string;
  query: URLSearchParams;
  /** The form body of a token request. */
  form: URLSearchParams;
}

/** What the fake's token endpoint accepts. */
export interface EntraApp {
  tenantId: string;
  clientId: string;
  clientSecret: string;
  /** The access token it issues for any scope. */
  accessToken: string;
}

/** A running fake Entra ID with its proxy. */
export interface FakeEntra {
  /** `https://127.0.0.1:<port>`: the value of AZURE_AUTHORITY_HOST. */
  authorityHost: string;
  /** `http://127.0.0.1:<port>`: the value of HTTPS_PROXY. */
  proxy: string;
  /** The certificate to trust (a file, for NODE_EXTRA_CA_CERTS). */
  caPath: string;
  /** Every request the fake answered, oldest first. */
  requests: EntraRequest[];
  /** Every CONNECT the proxy refused (`host:port`): anything but Entra's discovery host and loopback. */
  refused: string[];
  close(): Promise<void>;
}

async function makeCertificate(dir: string): Promise<{ cert: string; key: string; certPath: string }> {
  const certPath = join(dir, "cert.pem");
  const keyPath = join(dir, "key.pem");
  await run("openssl", [
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "2",
    "-subj",
    "/CN=modelreg fake Entra ID",
    "-addext",
    `subjectAltName=DNS:${ENTRA_DISCOVERY_HOST},DNS:localhost,IP:127.0.0.1`,
  ]);
  return { cert: readFileSync(certPath, "utf8"), key: readFileSync(keyPath, "utf8"), certPath };
}

async function listen(server: Server | ReturnType<typeof createHttpsServer>): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return (server.address() as AddressInfo).port;
}

async function body(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Starts the fake Entra ID for `app`, and the proxy in front of it. */
export async function startFakeEntra(app: EntraApp): Promise<FakeEntra> {
  const dir = mkdtempSync(join(tmpdir(), "modelreg-fake-entra-"));
  const { cert, key, certPath } = await makeCertificate(dir);
  const requests: EntraRequest[] = [];
  const refused: string[] = [];
  let authority = "";

  const entra = createHttpsServer({ cert, key }, async (req, res) => {
    const url = new URL(req.url ?? "/", authority);
    const form = new URLSearchParams(req.method === "POST" ? await body(req) : "");
    requests.push({ host: req.headers.host ?? "", method: req.method ?? "", path: url.pathname, query: url.searchParams, form });
    const json = (status: number, value: unknown) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
      res.end(JSON.stringify(value));
    };
    const tenant = app.tenantId;
    // Instance discovery: the answer Entra gives for an authority it does not know, naming it as its own alias.
    if (url.pathname === "/common/discovery/instance") {
      const host = new URL(authority).host;
      return json(200, {
        tenant_discovery_endpoint: `${authority}/${tenant}/v2.0/.well-known/openid-configuration`,
        "api-version": "1.1",
        metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
      });
    }
    if (url.pathname === `/${tenant}/v2.0/.well-known/openid-configuration`) {
      return json(200, {
        token_endpoint: `${authority}/${tenant}/oauth2/v2.0/token`,
        authorization_endpoint: `${authority}/${tenant}/oauth2/v2.0/authorize`,
        issuer: `${authority}/${tenant}/v2.0`,
        jwks_uri: `${authority}/${tenant}/discovery/v2.0/keys`,
        token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
        response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      });
    }
    if (url.pathname === `/${tenant}/oauth2/v2.0/token` && req.method === "POST") {
      if (form.get("grant_type") !== "client_credentials" || form.get("client_id") !== app.clientId || form.get("client_secret") !== app.clientSecret)
        return json(401, {
          error: "invalid_client",
          error_description: `AADSTS7000215: Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${app.clientId}'.`,
          error_codes: [7000215],
        });
      return json(200, { token_type: "Bearer", expires_in: 3599, ext_expires_in: 3599, access_token: app.accessToken });
    }
    json(404, { error: "not_found", error_description: `no route ${url.pathname}` });
  });
  const entraPort = await listen(entra);
  authority = `https://127.0.0.1:${entraPort}`;

  // A CONNECT proxy: the discovery host and loopback reach the fake, nothing else goes out.
  const proxy = createHttpServer((_req, res) => {
    res.writeHead(405).end();
  });
  proxy.on("connect", (req: IncomingMessage, client, head: Buffer) => {
    const target = req.url ?? "";
    const [host] = target.split(":");
    const toFake = host === ENTRA_DISCOVERY_HOST || target === `127.0.0.1:${entraPort}` || target === `localhost:${entraPort}`;
    if (!toFake) {
      refused.push(target);
      client.end("HTTP/1.1 403 Forbidden\r\n\r\n");
      return;
    }
    const upstream = connect(entraPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  const proxyPort = await listen(proxy);
  // Tunnels leave the HTTP servers' own connection tracking, so close() destroys every socket itself.
  const sockets = new Set<Socket>();
  for (const server of [entra, proxy])
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });

  return {
    authorityHost: authority,
    proxy: `http://127.0.0.1:${proxyPort}`,
    caPath: certPath,
    requests,
    refused,
    async close() {
      for (const socket of sockets) socket.destroy();
      await Promise.all([new Promise((resolve) => entra.close(resolve)), new Promise((resolve) => proxy.close(resolve))]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
