// Credentials, region and endpoints the way AWS users set them up (issue 18, item 2), through the real chain
// (@aws-sdk/credential-providers): shared files with profiles, credential_process, container and instance metadata
// served on loopback, and the adapters' own shortcuts (settings, environment) that never load the chain.
import { createServer, type Server } from "node:http";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configuredEndpoint, resolveRegion } from "../../src/aws/aws-config.js";
import { credentialSource } from "../../src/aws/aws-credentials.js";
import { AuthenticationError, InvalidInputError } from "../../src/core/errors.js";

const AWS_VARS = [
  "AWS_ACCESS_KEY_ID",
  "AWS_SECRET_ACCESS_KEY",
  "AWS_SESSION_TOKEN",
  "AWS_PROFILE",
  "AWS_CONFIG_FILE",
  "AWS_SHARED_CREDENTIALS_FILE",
  "AWS_CONTAINER_CREDENTIALS_FULL_URI",
  "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
  "AWS_CONTAINER_AUTHORIZATION_TOKEN",
  "AWS_EC2_METADATA_SERVICE_ENDPOINT",
  "AWS_EC2_METADATA_DISABLED",
  "AWS_WEB_IDENTITY_TOKEN_FILE",
  "AWS_ROLE_ARN",
];

let saved: Record<string, string | undefined>;
let dir: string;
const servers: Server[] = [];

beforeEach(async () => {
  // The chain reads process.env itself; the canary setup's AWS_* variables would win over every other source.
  saved = Object.fromEntries(AWS_VARS.map((name) => [name, process.env[name]]));
  for (const name of AWS_VARS) delete process.env[name];
  dir = await mkdtemp(join(tmpdir(), "modelreg-aws-"));
  // No file in the home folder may leak in: point both files into the empty temporary folder.
  process.env.AWS_CONFIG_FILE = join(dir, "config");
  process.env.AWS_SHARED_CREDENTIALS_FILE = join(dir, "credentials");
  process.env.AWS_EC2_METADATA_DISABLED = "true";
});

afterEach(async () => {
  for (const name of AWS_VARS) {
    if (saved[name] === undefined) delete process.env[name];
    else process.env[name] = saved[name];
  }
  await Promise.all(servers.splice(0).map((server) => new Promise((done) => server.close(done))));
  await rm(dir, { recursive: true, force: true });
});

function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  return new Promise((done) => server.listen(0, "127.0.0.1", () => done(`http://127.0.0.1:${(server.address() as { port: number }).port}`)));
}

const SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

describe("credentials without the chain", () => {
  it("uses fixed credentials from settings", async () => {
    const get = credentialSource({ credentials: { accessKeyId: "AKIDFIXED", secretAccessKey: SECRET } }, "sagemaker");
    expect((await get()).accessKeyId).toBe("AKIDFIXED");
  });

  it("reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from the environment it is given", async () => {
    const get = credentialSource({ env: { AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: SECRET, AWS_SESSION_TOKEN: "tok" } }, "sagemaker");
    expect(await get()).toEqual({ accessKeyId: "AKIDENV", secretAccessKey: SECRET, sessionToken: "tok" });
  });

  it("calls a provider function again only when its credentials are within 5 minutes of expiring", async () => {
    let calls = 0;
    const get = credentialSource(
      {
        credentials: async () => {
          calls++;
          // The first expires in 4 minutes (treated as expired), the second in an hour.
          const expiration = new Date(Date.now() + (calls === 1 ? 4 : 60) * 60_000);
          return { accessKeyId: `AKID${calls}`, secretAccessKey: SECRET, expiration };
        },
      },
      "sagemaker",
    );
    expect((await get()).accessKeyId).toBe("AKID1");
    expect((await get()).accessKeyId).toBe("AKID2");
    expect((await get()).accessKeyId).toBe("AKID2");
    expect(calls).toBe(2);
  });

  it("asks a failed provider again on the next request, and refuses credentials without a secret", async () => {
    let calls = 0;
    const get = credentialSource(
      {
        credentials: async () => {
          calls++;
          if (calls === 1) throw new Error("metadata hiccup");
          return { accessKeyId: "AKIDOK", secretAccessKey: SECRET };
        },
      },
      "sagemaker",
    );
    await expect(get()).rejects.toThrow("metadata hiccup");
    expect((await get()).accessKeyId).toBe("AKIDOK");
    expect(() => credentialSource({ credentials: { accessKeyId: "AKID", secretAccessKey: "" } }, "sagemaker")).toThrow(InvalidInputError);
    const empty = credentialSource({ credentials: async () => ({ accessKeyId: "AKID", secretAccessKey: "" }) }, "sagemaker");
    await expect(empty()).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe("the AWS SDK's default chain (@aws-sdk/credential-providers)", () => {
  it("reads a named profile from the shared credentials file", async () => {
    await writeFile(
      join(dir, "credentials"),
      `[default]\naws_access_key_id = AKIDDEFAULT\naws_secret_access_key = ${SECRET}\n\n[ml]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = ${SECRET}\n`,
    );
    expect((await credentialSource({ profile: "ml", env: {} }, "sagemaker")()).accessKeyId).toBe("AKIDPROFILE");
    expect((await credentialSource({ env: {} }, "sagemaker")()).accessKeyId).toBe("AKIDDEFAULT");
  });

  it("skips the environment's keys when AWS_PROFILE names a profile, as the SDK does", async () => {
    await writeFile(join(dir, "credentials"), `[ml]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = ${SECRET}\n`);
    process.env.AWS_PROFILE = "ml";
    const env = { AWS_PROFILE: "ml", AWS_ACCESS_KEY_ID: "AKIDENV", AWS_SECRET_ACCESS_KEY: SECRET };
    expect((await credentialSource({ env }, "sagemaker")()).accessKeyId).toBe("AKIDPROFILE");
  });

  it("runs a profile's credential_process", async () => {
    const script = join(dir, "creds.sh");
    await writeFile(script, `#!/bin/sh\necho '{"Version":1,"AccessKeyId":"AKIDPROCESS","SecretAccessKey":"${SECRET}","SessionToken":"proc-token"}'\n`);
    await chmod(script, 0o755);
    await writeFile(join(dir, "config"), `[profile tool]\ncredential_process = ${script}\nregion = eu-west-2\n`);
    const got = await credentialSource({ profile: "tool", env: {} }, "sagemaker")();
    expect(got).toMatchObject({ accessKeyId: "AKIDPROCESS", sessionToken: "proc-token" });
    // The same profile's region, read without the SDK.
    expect(resolveRegion(undefined, { AWS_CONFIG_FILE: join(dir, "config") }, "tool")).toBe("eu-west-2");
  });

  it("gets container credentials (ECS, EKS Pod Identity) from AWS_CONTAINER_CREDENTIALS_FULL_URI with its token", async () => {
    let authorization: string | undefined;
    const url = await serve((req, res) => {
      authorization = req.headers.authorization;
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          AccessKeyId: "AKIDCONTAINER",
          SecretAccessKey: SECRET,
          Token: "ctr-token",
          Expiration: new Date(Date.now() + 3600_000).toISOString(),
        }),
      );
    });
    process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `${url}/creds`;
    process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = "container-auth";
    const got = await credentialSource({ env: {} }, "sagemaker")();
    expect(got).toMatchObject({ accessKeyId: "AKIDCONTAINER", sessionToken: "ctr-token" });
    expect(authorization).toBe("container-auth");
  });

  it("gets an EC2 instance role's credentials through IMDSv2 (token first, then the role)", async () => {
    const seen: string[] = [];
    const url = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers["x-aws-ec2-metadata-token"] ?? ""}`);
      if (req.method === "PUT" && req.url === "/latest/api/token") return res.end("imds-token");
      if (req.headers["x-aws-ec2-metadata-token"] !== "imds-token") {
        res.statusCode = 401;
        return res.end();
      }
      if (req.url === "/latest/meta-data/iam/security-credentials/") return res.end("trainer-role");
      if (req.url === "/latest/meta-data/iam/security-credentials/trainer-role") {
        return res.end(
          JSON.stringify({
            Code: "Success",
            AccessKeyId: "AKIDIMDS",
            SecretAccessKey: SECRET,
            Token: "imds-session",
            Expiration: new Date(Date.now() + 3600_000).toISOString(),
          }),
        );
      }
      res.statusCode = 404;
      res.end();
    });
    delete process.env.AWS_EC2_METADATA_DISABLED;
    process.env.AWS_EC2_METADATA_SERVICE_ENDPOINT = url;
    const got = await credentialSource({ env: {} }, "sagemaker")();
    expect(got).toMatchObject({ accessKeyId: "AKIDIMDS", sessionToken: "imds-session" });
    expect(seen[0]).toMatch(/^PUT \/latest\/api\/token/);
  });

  it("fails with AuthenticationError when no source has credentials, naming no secret", async () => {
    const error = await credentialSource({ env: {} }, "sagemaker")().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as AuthenticationError).operation).toBe("getCredentials");
  });
});

describe("region and endpoints", () => {
  it("takes the region from settings, then AWS_REGION, then the profile", async () => {
    await writeFile(join(dir, "config"), "[default]\nregion = ap-south-1\n[profile other]\nregion = sa-east-1\n");
    const env = { AWS_CONFIG_FILE: join(dir, "config") };
    expect(resolveRegion("us-west-2", { ...env, AWS_REGION: "eu-west-1" })).toBe("us-west-2");
    expect(resolveRegion(undefined, { ...env, AWS_REGION: "eu-west-1" })).toBe("eu-west-1");
    expect(resolveRegion(undefined, env)).toBe("ap-south-1");
    expect(resolveRegion(undefined, { ...env, AWS_PROFILE: "other" })).toBe("sa-east-1");
    expect(resolveRegion(undefined, { AWS_CONFIG_FILE: join(dir, "missing") })).toBeUndefined();
  });

  it("honours AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL and the profile's endpoint_url, unless told to ignore them", async () => {
    await writeFile(join(dir, "config"), "[default]\nendpoint_url = http://profile.example:9000\n");
    const env = { AWS_CONFIG_FILE: join(dir, "config") };
    expect(configuredEndpoint("S3", { ...env, AWS_ENDPOINT_URL_S3: "http://s3.local", AWS_ENDPOINT_URL: "http://all.local" })).toBe("http://s3.local");
    expect(configuredEndpoint("SAGEMAKER", { ...env, AWS_ENDPOINT_URL_S3: "http://s3.local", AWS_ENDPOINT_URL: "http://all.local" })).toBe("http://all.local");
    expect(configuredEndpoint("SAGEMAKER", env)).toBe("http://profile.example:9000");
    expect(configuredEndpoint("S3", { ...env, AWS_ENDPOINT_URL: "http://all.local", AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true" })).toBeUndefined();
  });
});
