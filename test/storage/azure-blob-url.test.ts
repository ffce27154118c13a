// Where Azure Blob requests go (src/storage/azure-blob-url.ts): account and container URLs in their virtual-hosted and
// path-style forms, as Azure's SDKs address them, and the names modelreg refuses before any request.
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "modelreg";
import { AzureBlobStorage, containerUrlOf } from "../../src/storage/azure-blob-storage.js";
import { accountBlobUrl, checkBlobName, checkBlobPrefix, encodeBlobName, parseBlobUrl, resolveContainer } from "../../src/storage/azure-blob-url.js";
import { rejectionOf } from "../support/rejection.js";

const ctx = { provider: "azureml", operation: "test" };

describe("Azure Blob URLs", () => {
  it("builds an account URL virtual-hosted on Azure's suffixes and path-style on IP addresses and localhost", () => {
    expect(accountBlobUrl({ accountName: "acct", endpoint: "core.windows.net" }, ctx)).toBe("https://acct.blob.core.windows.net");
    expect(accountBlobUrl({ accountName: "acct", endpoint: "core.chinacloudapi.cn", protocol: "https" }, ctx)).toBe("https://acct.blob.core.chinacloudapi.cn");
    expect(accountBlobUrl({ accountName: "devstoreaccount1", endpoint: "127.0.0.1:10000", protocol: "http" }, ctx)).toBe(
      "http://127.0.0.1:10000/devstoreaccount1",
    );
    expect(accountBlobUrl({ accountName: "devstoreaccount1", endpoint: "localhost:10000", protocol: "HTTP" }, ctx)).toBe(
      "http://localhost:10000/devstoreaccount1",
    );
    expect(accountBlobUrl({ accountName: "acct", endpoint: "[::1]:10000" }, ctx)).toBe("https://[::1]:10000/acct");
    for (const bad of [
      { accountName: "Acct", endpoint: "core.windows.net" },
      { accountName: "a", endpoint: "core.windows.net" },
      { accountName: "acct", endpoint: "core.windows.net/x" },
      { accountName: "acct", endpoint: "core.windows.net?x=1" },
      { accountName: "acct", endpoint: "core.windows.net", protocol: "ftp" },
    ])
      expect(() => accountBlobUrl(bad, ctx)).toThrow(InvalidInputError);
  });

  it("splits blob URLs into account, container and name, dropping a SAS without quoting it", () => {
    expect(parseBlobUrl("https://acct.blob.core.windows.net/models/a/b%20c.bin?sv=1&sig=secret-signature-value", ctx)).toEqual({
      container: {
        url: "https://acct.blob.core.windows.net/models",
        accountUrl: "https://acct.blob.core.windows.net",
        accountName: "acct",
        containerName: "models",
      },
      name: "a/b c.bin",
    });
    expect(parseBlobUrl("http://127.0.0.1:10000/devstoreaccount1/models/x/", ctx)).toEqual({
      container: {
        url: "http://127.0.0.1:10000/devstoreaccount1/models",
        accountUrl: "http://127.0.0.1:10000/devstoreaccount1",
        accountName: "devstoreaccount1",
        containerName: "models",
      },
      name: "x/",
    });
    expect(containerUrlOf("https://acct.blob.core.windows.net/azureml-blobstore-1/LocalUpload/abc/model.pkl")).toBe(
      "https://acct.blob.core.windows.net/azureml-blobstore-1",
    );
    const error = (() => {
      try {
        parseBlobUrl("https://acct.blob.core.windows.net/x?sig=secret-signature-value", ctx);
      } catch (e) {
        return e as InvalidInputError;
      }
    })();
    expect(InvalidInputError.isInstance(error)).toBe(true);
    expect(error?.message).not.toContain("secret-signature-value");
    expect(() => parseBlobUrl("https://user:pw@acct.blob.core.windows.net/models", ctx)).toThrow(/credentials/);
    expect(() => parseBlobUrl("ftp://acct.blob.core.windows.net/models", ctx)).toThrow(InvalidInputError);
    expect(() => parseBlobUrl("http://127.0.0.1:10000/devstoreaccount1", ctx)).toThrow(/no valid container/);
  });

  it("takes a bucket as a container URL, or as a name under the store's account URL, never with a query", () => {
    const account = "http://127.0.0.1:10000/devstoreaccount1";
    expect(resolveContainer("models", account, ctx).url).toBe(`${account}/models`);
    expect(resolveContainer(`${account}/models`, undefined, ctx).containerName).toBe("models");
    expect(() => resolveContainer("models", undefined, ctx)).toThrow(/accountUrl/);
    expect(() => resolveContainer(`${account}/models?sv=1&sig=x`, undefined, ctx)).toThrow(/query/);
    expect(() => resolveContainer(`${account}/models/blob`, undefined, ctx)).toThrow(/blob URL/);
    for (const name of ["ab", "Models", "a--b", "-ab", "ab-", "a_b", "x".repeat(64)])
      expect(() => resolveContainer(name, account, ctx)).toThrow(InvalidInputError);
  });

  it("refuses blob names a URL would change, and encodes the rest segment by segment", () => {
    for (const name of ["", "a//b", "/a", "a/", "a/./b", "../a", "a\u0000b", "x".repeat(1025), "\uD800"])
      expect(() => checkBlobName(name, ctx)).toThrow(InvalidInputError);
    checkBlobName("models/fraud/1/model.pkl", ctx);
    checkBlobPrefix("", ctx);
    checkBlobPrefix("models/fraud/", ctx);
    expect(() => checkBlobPrefix("models//", ctx)).toThrow(InvalidInputError);
    expect(encodeBlobName("a b/c?d#e/ü!'()*")).toBe("a%20b/c%3Fd%23e/%C3%BC%21%27%28%29%2A");
  });

  it("refuses settings it cannot use before any request", async () => {
    const make = (settings: object) => () => new AzureBlobStorage({ provider: "azureml", auth: { kind: "sas", sas: "sv=1&sig=abc" }, ...settings });
    expect(make({ accountUrl: "https://acct.blob.core.windows.net/models" })).toThrow(/account's blob service URL/);
    expect(make({ blockBytes: 0 })).toThrow(/blockBytes/);
    expect(make({ blockBytes: 4001 * 1024 * 1024 })).toThrow(/blockBytes/);
    expect(make({ listPageSize: 5001 })).toThrow(/listPageSize/);
    expect(make({ auth: { kind: "sas", sas: "sv=2022-11-02&sp=r" } })).toThrow(/signature/);
    expect(make({ auth: { kind: "key", accountKey: "not base64 at all!" } })).toThrow(/base64/);
    expect(make({ auth: { kind: "password", password: "x" } })).toThrow(/auth must be/);
    expect(make({ provider: "" })).toThrow(/provider/);
    // A bearer token never goes over plain HTTP: refused before anything is sent.
    const bearer = new AzureBlobStorage({
      provider: "azureml",
      auth: { kind: "bearer", token: "t0ken-value" },
      fetch: () => Promise.reject(new Error("sent")),
    });
    const error = await rejectionOf(bearer.getJson("http://127.0.0.1:10000/devstoreaccount1/models", "a.json", { operation: "getVersion" }));
    expect(InvalidInputError.isInstance(error) && error.field === "auth").toBe(true);
  });
});
