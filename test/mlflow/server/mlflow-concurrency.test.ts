import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, inject, it } from "vitest";
import { createMlflowRegistry } from "modelreg/mlflow";
import { UnsupportedCapabilityError, type RegistryEvent, type ModelVersion } from "modelreg";
import { tempDir, unique } from "./support/helpers.js";

const servers = inject("mlflowServers");

const CLIENTS = 4;
const PER_CLIENT = 5;
const ALIAS = "shared";

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

interface Sent {
  client: string;
  seq: number;
  bytes: Uint8Array;
  alias: boolean;
}

describe.each(servers)("MLflow $version, many clients creating versions of one model at once", (server) => {
  it(`gives ${CLIENTS} clients × ${PER_CLIENT} concurrent creates versions 1..${CLIENTS * PER_CLIENT}, each with the bytes its writer sent, each told to subscribers once`, async () => {
    const model = unique("concurrent");
    const heard: Array<{ by: string; event: RegistryEvent }> = [];
    const clients = Array.from({ length: CLIENTS }, (_, i) => {
      const name = `client-${i}`;
      const registry = createMlflowRegistry({ trackingUri: server.url, actor: name });
      registry.events.subscribe((event) => void heard.push({ by: name, event }));
      return { name, registry };
    });

    const sent: Sent[] = clients.flatMap(({ name }) =>
      Array.from({ length: PER_CLIENT }, (_, seq) => ({ client: name, seq, bytes: new Uint8Array(randomBytes(48 * 1024)), alias: seq % 2 === 0 })),
    );
    const results = await Promise.all(
      sent.map(async (s) => {
        const { registry } = clients.find((c) => c.name === s.client) as (typeof clients)[number];
        const v = await registry.createVersion(model, {
          artifacts: {
            entries: [
              { path: "model.bin", content: s.bytes },
              { path: "meta.json", content: JSON.stringify({ client: s.client, seq: s.seq }) },
            ],
          },
          tags: { writer: s.client, seq: String(s.seq) },
          ...(s.alias && { aliases: [ALIAS] }),
        });
        return { sent: s, version: v };
      }),
    );

    // MLflow numbers the versions; under concurrency it must still hand out each number once and skip none.
    const n = CLIENTS * PER_CLIENT;
    const numbers = results.map((r) => Number(r.version.version)).sort((a, b) => a - b);
    expect(numbers).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const byVersion = new Map(results.map((r) => [r.version.version, r.sent]));

    const reader = createMlflowRegistry({ trackingUri: server.url, actor: "reader" });
    const listed: ModelVersion[] = await reader.listVersions(model).toArray();
    expect(listed.map((v) => Number(v.version)).sort((a, b) => a - b)).toEqual(numbers);
    // One client token per create: a create retried after a lost response would show up here as a second version.
    const tokens = listed.map((v) => (v.raw as { tags?: Array<{ key: string; value: string }> }).tags?.find((t) => t.key === "modelreg.client_token")?.value);
    expect(tokens.every((t) => typeof t === "string")).toBe(true);
    expect(new Set(tokens).size).toBe(n);

    const out = await tempDir("modelreg-mlflow-conc-");
    for (const v of listed) {
      const s = byVersion.get(v.version) as Sent;
      expect(v.tags).toEqual({ writer: s.client, seq: String(s.seq) });
      const files = await reader.listArtifacts(v);
      expect(files.find((f) => f.path === "model.bin")?.sha256).toBe(sha256(s.bytes));
      const opened = await reader.openArtifact(v, "model.bin");
      expect(sha256(new Uint8Array(await new Response(opened.stream).arrayBuffer())), `model.bin of ${v.version}`).toBe(sha256(s.bytes));
      const dir = join(out, v.version);
      await reader.downloadArtifacts(v, dir);
      expect(sha256(await readFile(join(dir, "model.bin")))).toBe(sha256(s.bytes));
      expect(JSON.parse(await readFile(join(dir, "meta.json"), "utf8"))).toEqual({ client: s.client, seq: s.seq });
    }

    // MLflow keeps no audit trail modelreg can read, so the account of every version is what subscribers heard.
    expect(reader.capabilities.audit).toBe(false);
    expect(() => reader.listAuditEvents({ model })).toThrow(UnsupportedCapabilityError);
    const created = heard.filter((h) => h.event.type === "version.created");
    expect(created).toHaveLength(n);
    expect(new Map(created.map((h) => [h.event.version, h.by]))).toEqual(new Map([...byVersion].map(([v, s]) => [v, s.client])));
    expect(created.every((h) => h.event.actor === h.by && h.event.model === model)).toBe(true);

    // The alias ends on a version one of its writers pointed it at. (Its moves' `from` is read before each set, which
    // MLflow cannot do atomically, so concurrent moves may report the same `from`: it is not checked as a chain.)
    const aliased = new Set([...byVersion].filter(([, s]) => s.alias).map(([v]) => v));
    const moves = heard.filter((h) => h.event.type === "alias.set");
    expect(moves).toHaveLength(aliased.size);
    expect(new Set(moves.map((h) => h.event.to))).toEqual(aliased);
    expect(aliased.has(await reader.resolveAlias(model, ALIAS))).toBe(true);
  }, 60_000);
});
