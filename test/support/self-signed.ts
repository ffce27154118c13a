// A TLS certificate for loopback test servers (Azurite over HTTPS, the Azure ARM fake): a throw-away CA and a server
// certificate it signs for localhost and 127.0.0.1, made once with `openssl` and kept in .cache/tls/ (gitignored).
// Two certificates rather than one self-signed leaf: Python 3.13's default context verifies strictly
// (VERIFY_X509_STRICT), which refuses a leaf that is its own CA, and the Python clients trust the CA through
// REQUESTS_CA_BUNDLE / SSL_CERT_FILE. Node clients trust it through `ca` (or NODE_EXTRA_CA_CERTS).
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const ROOT = resolve(import.meta.dirname, "../..");
/** Bumped when what is generated changes, so an old cache is not reused. */
const DIR = join(ROOT, ".cache", "tls", "loopback-v1");

/** A server certificate and the CA that signed it, as PEM text and as files. */
export interface LoopbackCert {
  /** The server certificate (PEM), for localhost and 127.0.0.1. */
  cert: string;
  /** Its private key (PEM, unencrypted). */
  key: string;
  /** The CA certificate (PEM) a client trusts. */
  ca: string;
  /** `cert` as a file. */
  certPath: string;
  /** `key` as a file. */
  keyPath: string;
  /** `ca` as a file (give it to Python as REQUESTS_CA_BUNDLE). */
  caPath: string;
}

/** What {@link loopbackCert} takes. */
export interface LoopbackCertOptions {
  /**
   * DNS names the server certificate names besides localhost, 127.0.0.1 and ::1 (wildcards allowed), e.g.
   * `*.blob.core.localhost` for Azure storage clients that want the account in the host. A certificate of its own,
   * cached beside the default one.
   */
  extraNames?: readonly string[];
}

const made = new Map<string, Promise<LoopbackCert>>();

/** The cache folder of a certificate with these extra names (the default's when there are none). */
function dirFor(extraNames: readonly string[]): string {
  if (extraNames.length === 0) return DIR;
  return `${DIR}-${createHash("sha256").update(extraNames.join("\n")).digest("hex").slice(0, 12)}`;
}

async function load(dir: string): Promise<LoopbackCert> {
  const certPath = join(dir, "server.pem");
  const keyPath = join(dir, "server-key.pem");
  const caPath = join(dir, "ca.pem");
  const [cert, key, ca] = await Promise.all([readFile(certPath, "utf8"), readFile(keyPath, "utf8"), readFile(caPath, "utf8")]);
  return { cert, key, ca, certPath, keyPath, caPath };
}

async function openssl(args: string[], cwd: string): Promise<void> {
  try {
    await run("openssl", args, { cwd });
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.slice(-2000) || e.message}`);
  }
}

/** Generates the CA and the server certificate in a fresh folder, then moves it into place in one rename. */
async function generate(dir: string, extraNames: readonly string[]): Promise<void> {
  const work = await mkdtemp(join(ROOT, ".cache", "tls", "tmp-"));
  try {
    await writeFile(
      join(work, "server.ext"),
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        `subjectAltName=${["DNS:localhost", ...extraNames.map((n) => `DNS:${n}`), "IP:127.0.0.1", "IP:::1"].join(",")}`,
        "authorityKeyIdentifier=keyid",
        "subjectKeyIdentifier=hash",
      ].join("\n"),
    );
    const days = "3650";
    await openssl(
      [
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca-key.pem",
        "-out",
        "ca.pem",
        "-days",
        days,
        "-subj",
        "/CN=modelreg test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
      ],
      work,
    );
    await openssl(["req", "-newkey", "rsa:2048", "-nodes", "-keyout", "server-key.pem", "-out", "server.csr", "-subj", "/CN=localhost"], work);
    await openssl(
      [
        "x509",
        "-req",
        "-in",
        "server.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca-key.pem",
        "-CAcreateserial",
        "-out",
        "server.pem",
        "-days",
        days,
        "-extfile",
        "server.ext",
      ],
      work,
    );
    await rename(work, dir).catch(async (error: NodeJS.ErrnoException) => {
      // Another worker got there first: its certificate is as good.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The loopback certificate, made on first use (one per set of extra names). */
export function loopbackCert(options: LoopbackCertOptions = {}): Promise<LoopbackCert> {
  const extraNames = [...(options.extraNames ?? [])].sort();
  const dir = dirFor(extraNames);
  let cert = made.get(dir);
  if (!cert) {
    cert = (async () => {
      try {
        return await load(dir);
      } catch {
        await mkdir(join(ROOT, ".cache", "tls"), { recursive: true });
        await generate(dir, extraNames);
        return load(dir);
      }
    })();
    made.set(dir, cert);
  }
  return cert;
}
