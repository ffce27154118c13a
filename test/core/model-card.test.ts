// renderModelCard: a Hugging Face style card whose front matter a YAML reader parses back to exactly what the version
// holds, whatever its names and texts contain, and whose tables no value can break.
import { execFileSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderModelCard, type ModelVersion } from "modelreg";

const hostile = 'risk: "x"\n---\nlicense: mit # \u2028 \u0085 | a | b';

function version(overrides: Partial<ModelVersion> = {}): ModelVersion {
  return {
    model: "fraud",
    version: "7",
    params: { lr: "0.01", depth: "6" },
    metrics: { auc: 0.93123456, loss: 0.21 },
    tags: {},
    lineage: {
      codeCommit: "9f2c1e7",
      codeRepository: "https://github.com/acme/fraud",
      dataSnapshots: [{ uri: "s3://data/2026-11-01", role: "train", digest: "sha256:abc" }],
      parentVersion: "6",
    },
    signature: {
      inputs: [
        { name: "amount", type: "double" },
        { name: "emb", type: "tensor", dtype: "float32", shape: [-1, 16] },
      ],
      outputs: [{ name: "score", type: "double" }],
    },
    modelCard: {
      summary: "Scores card transactions for fraud.",
      intendedUse: "Ranking transactions for review.",
      limitations: "Not for credit decisions.",
      ethicalConsiderations: "Reviewed for disparate impact.",
      training: "Gradient boosting on 12 months.",
      evaluation: "Held-out month.",
      owners: ["risk-ml@acme.example"],
      fairness: [
        { slice: "age >= 65", metrics: { auc: 0.88 }, size: 1200 },
        { slice: "region = EU", metrics: { auc: 0.94, loss: 0.2 }, note: "largest market" },
      ],
      markdown: "Extra notes.",
    },
    aliases: ["champion"],
    stage: "production",
    approvals: [{ by: "alice", role: "risk", at: "2026-12-01T10:00:00.000Z", comment: "ok" }],
    artifacts: { digest: "sha256:feed" },
    createdBy: "bob",
    createdAt: new Date("2026-11-30T12:00:00Z"),
    updatedAt: new Date("2026-12-01T10:00:00Z"),
    ...overrides,
  };
}

/** The front matter parsed by PyYAML (what huggingface_hub uses to read card metadata), or undefined without it. */
function pyYaml(markdown: string): unknown {
  const front = markdown.split("\n---\n")[0]?.replace(/^---\n/, "") ?? "";
  try {
    execFileSync("python3", ["-c", "import yaml"], { stdio: "ignore" });
  } catch {
    return undefined;
  }
  const out = execFileSync("python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(sys.stdin.read())))"], {
    input: front,
    encoding: "utf8",
  });
  return JSON.parse(out);
}

describe("renderModelCard", () => {
  it("lays the card out in Hugging Face's sections, with the version's metrics, params, lineage, signature and approvals", () => {
    const md = renderModelCard(version(), { license: "apache-2.0", libraryName: "sklearn", tags: ["fraud"] });
    expect(md.startsWith("---\n")).toBe(true);
    const headings = md.split("\n").filter((l) => l.startsWith("#"));
    expect(headings).toEqual([
      "# Model Card for fraud (version 7)",
      "## Model Details",
      "### Model Description",
      "## Uses",
      "### Direct Use",
      "## Bias, Risks, and Limitations",
      "### Ethical Considerations",
      "## Training Details",
      "### Training Procedure",
      "### Training Data",
      "#### Training Hyperparameters",
      "## Evaluation",
      "### Results",
      "### Results by Slice",
      "## Technical Specifications",
      "### Signature",
      "#### Inputs",
      "#### Outputs",
      "## Lineage",
      "## Approvals",
      "## More Information",
      "## Model Card Contact",
    ]);
    expect(md).toContain("| auc | 0.931235 |");
    expect(md).toContain("| Slice | Examples | auc | loss | Note |");
    expect(md).toContain("| age >= 65 | 1200 | 0.88 |  |  |");
    expect(md).toContain("| emb | tensor (float32) | [-1, 16] |  |");
    expect(md).toContain("- `s3://data/2026-11-01` (train), digest `sha256:abc`");
    expect(md).toContain("| alice | risk | 2026-12-01T10:00:00.000Z | ok |");
    const meta = pyYaml(md);
    if (meta === undefined) console.warn("python3 with PyYAML is not installed: the front matter was not parsed back");
    else
      expect(meta).toEqual({
        tags: ["modelreg", "fraud"],
        metrics: ["auc", "loss"],
        license: "apache-2.0",
        library_name: "sklearn",
        modelreg: { model: "fraud", version: "7", stage: "production", aliases: ["champion"], digest: "sha256:feed", created: "2026-11-30T12:00:00.000Z" },
      });
  });

  it("keeps hostile names and texts inside their YAML scalars and table cells", () => {
    const md = renderModelCard(
      version({
        model: "fraud",
        aliases: [hostile],
        metrics: { [hostile]: 1 },
        params: { p: "a | b\nc" },
        modelCard: { summary: "s", fairness: [{ slice: hostile, metrics: { auc: 0.5 } }] },
      }),
      { tags: [hostile] },
    );
    const meta = pyYaml(md) as { tags: string[]; metrics: string[]; modelreg: { aliases: string[] } } | undefined;
    if (meta !== undefined) {
      expect(meta.tags).toEqual(["modelreg", hostile]);
      expect(meta.metrics).toEqual([hostile]);
      expect(meta.modelreg.aliases).toEqual([hostile]);
    }
    // One front matter block: the hostile `---` is inside a quoted scalar, not a line of its own.
    expect(md.split("\n").filter((l) => l === "---")).toHaveLength(2);
    expect(md).toContain("| p | a \\| b c |");
    const sliceRow = md.split("\n").find((l) => l.startsWith("| risk:"));
    expect(sliceRow?.split(/(?<!\\)\|/).length).toBe(4);
  });

  it("leaves out what the version does not have", () => {
    const md = renderModelCard(version({ modelCard: undefined, signature: undefined, lineage: {}, params: {}, metrics: {}, approvals: [], aliases: [] }));
    expect(md).not.toMatch(/^metrics:/m);
    expect(md.split("\n").filter((l) => l.startsWith("## "))).toEqual(["## Model Details"]);
  });
});
