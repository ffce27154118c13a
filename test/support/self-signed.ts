// A TLS certificate for loopback test servers (Azurite over HTTPS, the Azure ARM fake): a throw-away CA and a server
// certificate it signs for localhost and 127.0.0.1, made once with `openssl` and kept in .cache/tls/ (gitignored).
// Two certificates rather than one self-signed leaf: Python 3.13's default context verifies strictly
// (VERIFY_X509_STRICT), which refuses a leaf that is its own CA, and the Python clients trust the CA through
// REQUESTS_CA_BUNDLE / SSL_CERT_FILE. Node clients trust it through `ca` (or NODE_EXTRA_CA_CERTS).
import { execFile } from "node:child_process";
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

let made: Promise<LoopbackCert> | undefined;

async function load(): Promise<LoopbackCert> {
  const certPath = join(DIR, "server.pem");
  const keyPath = join(DIR, "server-key.pem");
  const caPath = join(DIR, "ca.pem");
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
async function generate(): Promise<void> {
  const work = await mkdtemp(join(ROOT, ".cache", "tls", "tmp-"));
  try {
    await writeFile(
      join(work, "server.ext"),
      [
        "basicConstraints=critical,CA:FALSE",
        "keyUsage=critical,digitalSignature,keyEncipherment",
        "extendedKeyUsage=serverAuth",
        "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
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
    await rename(work, DIR).catch(async (error: NodeJS.ErrnoException) => {
      // Another worker got there first: its certificate is as good.
      if (error.code !== "ENOTEMPTY" && error.code !== "EEXIST") throw error;
    });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The loopback certificate, made on first use. */
export function loopbackCert(): Promise<LoopbackCert> {
  made ??= (async () => {
    try {
      return await load();
    } catch {
      await mkdir(join(ROOT, ".cache", "tls"), { recursive: true });
      await generate();
      return load();
    }
  })();
  return made;
}
