// A one-adapter serverless handler, bundled by bench/cold-start.ts to measure what modelreg/azureml adds to a function.
import { createAzureMlRegistry } from "modelreg/azureml";

export async function handler(): Promise<string> {
  const r = createAzureMlRegistry({
    subscriptionId: process.env.AZURE_SUBSCRIPTION_ID ?? "00000000-0000-0000-0000-000000000000",
    resourceGroup: process.env.AZURE_RESOURCE_GROUP ?? "ml",
    workspace: process.env.AZUREML_WORKSPACE ?? "fraud-ws",
    token: async () => process.env.AZURE_ACCESS_TOKEN ?? "",
  });
  return (await r.getVersion("fraud@champion")).version;
}
