// Container SASes minted from an account key, and SASes given by Azure ML (src/storage/azure-blob-sas.ts). That Azure's
// rules accept the signature is shown against Azurite (test/azureml/azure-blob-storage.test.ts); here, the string to
// sign as doc "Create a service SAS" spells it for versions from 2020-12-06, recomputed field by field from the query.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { CONTAINER_PERMISSIONS, containerSas, readSas, SAS_VERSION } from "../../src/storage/azure-blob-sas.js";

const ctx = { provider: "azureml", operation: "test" };
const KEY = Buffer.alloc(64, 0x5a).toString("base64");

describe("Azure container SAS", () => {
  it("signs the documented fields for the container with HMAC-SHA256 of the key, and carries them in the query", () => {
    const query = containerSas(
      {
        accountName: "acct",
        containerName: "models",
        accountKey: KEY,
        startsOn: new Date("2026-01-02T03:04:05.678Z"),
        expiresOn: new Date("2026-01-02T04:04:05.678Z"),
        protocol: "https",
      },
      ctx,
    );
    const params = new URLSearchParams(query);
    expect(Object.fromEntries([...params].filter(([k]) => k !== "sig"))).toEqual({
      sv: SAS_VERSION,
      st: "2026-01-02T03:04:05Z",
      se: "2026-01-02T04:04:05Z",
      sr: "c",
      sp: "racwdl",
      spr: "https",
    });
    expect(CONTAINER_PERMISSIONS).toBe("racwdl");
    // permissions, start, expiry, /blob/account/container, identifier, IP, protocol, version, resource, snapshot
    // time, encryption scope, rscc, rscd, rsce, rscl, rsct.
    const fields = [
      "racwdl",
      "2026-01-02T03:04:05Z",
      "2026-01-02T04:04:05Z",
      "/blob/acct/models",
      "",
      "",
      "https",
      SAS_VERSION,
      "c",
      "",
      "",
      "",
      "",
      "",
      "",
      "",
    ];
    const expected = createHmac("sha256", Buffer.alloc(64, 0x5a)).update(fields.join("\n")).digest("base64");
    expect(params.get("sig")).toBe(expected);
    expect(SAS_VERSION <= "2025-11-05").toBe(true);
  });

  it("refuses a key that is not base64 without quoting it", () => {
    const key = "this is not a key, it is a canary-like secret value";
    const call = () =>
      containerSas({ accountName: "acct", containerName: "models", accountKey: key, startsOn: new Date(), expiresOn: new Date(), protocol: "https" }, ctx);
    expect(call).toThrow(InvalidInputError);
    expect(call).not.toThrow(/canary-like/);
  });

  it("reads a given SAS as a query string, with a leading ? or as a SAS URL, and requires a signature", () => {
    const sas = "sv=2022-11-02&se=2026-01-02T04%3A04%3A05Z&sr=c&sp=rl&sig=abc%2Bdef%3D";
    for (const given of [sas, `?${sas}`, `https://acct.blob.core.windows.net/models?${sas}`]) {
      const read = readSas(given, ctx);
      expect(read.query).toBe(sas);
      expect(read.signature).toBe("abc+def=");
      expect(read.expiresOn?.toISOString()).toBe("2026-01-02T04:04:05.000Z");
    }
    expect(() => readSas("sv=2022-11-02&sp=r", ctx)).toThrow(/signature/);
  });
});
