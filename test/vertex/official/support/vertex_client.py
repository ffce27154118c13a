"""Drives Google's official clients (google-cloud-aiplatform over REST, google-cloud-storage) against modelreg's
Vertex AI and Cloud Storage fakes served on loopback, for test/vertex/official/aiplatform.test.ts.

    python vertex_client.py read '<json>'    read what modelreg wrote: models, versions, aliases, endpoint, files
    python vertex_client.py write '<json>'   upload a model and a second version with files staged through GCS

Several steps in one process (importing aiplatform costs more CPU than every request together); the last line
printed is one JSON object that the test checks. The bearer token is a dummy: the fakes refuse requests without one,
as Google does, and nothing here ever sees a real credential.
"""

import hashlib
import json
import os
import pathlib
import sys
import tempfile

from google.cloud import aiplatform, storage
from google.oauth2.credentials import Credentials


def init(args):
    # A token without expiry or refresh token is sent as is and never refreshed.
    credentials = Credentials(token=args["token"])
    # The scheme in api_endpoint keeps the REST transport on plain http (without it the client uses https).
    aiplatform.init(
        project=args["project"],
        location=args["location"],
        api_endpoint=args["api"],
        api_transport="rest",
        credentials=credentials,
        staging_bucket=f"gs://{args['bucket']}",
    )
    return credentials


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def download(client, uri):
    """Every object under a gs:// folder, by path inside it, as sha256 of the bytes google-cloud-storage read."""
    bucket, _, prefix = uri[len("gs://") :].partition("/")
    prefix = prefix.rstrip("/") + "/"
    return {b.name[len(prefix) :]: sha256(b.download_as_bytes()) for b in client.list_blobs(bucket, prefix=prefix)}


def read(args):
    credentials = init(args)
    gcs = storage.Client(project=args["project"], credentials=credentials)
    out = {}
    listed = aiplatform.Model.list(filter=f'display_name="{args["display_name"]}"')
    out["models"] = [{"name": m.resource_name, "display_name": m.display_name} for m in listed]
    registry = aiplatform.models.ModelRegistry(args["model"])
    versions = registry.list_versions()
    out["versions"] = [
        {"version_id": v.version_id, "aliases": sorted(v.version_aliases), "description": v.version_description}
        for v in versions
    ]
    out["uris"] = {}
    out["files"] = {}
    out["labels"] = {}
    for v in versions:
        model = registry.get_model(version=v.version_id)
        out["uris"][v.version_id] = model.uri
        out["labels"][v.version_id] = dict(model.labels)
        out["files"][v.version_id] = download(gcs, model.uri)
    # get_model with an alias reads models/ID@alias: Vertex resolves it.
    out["aliases"] = {alias: registry.get_model(version=alias).version_id for alias in args["aliases"]}
    endpoint = aiplatform.Endpoint(args["endpoint"])
    out["traffic_split"] = dict(endpoint.traffic_split)
    out["deployed"] = [{"id": d.id, "model": d.model, "version": d.model_version_id} for d in endpoint.list_models()]
    if "deploy" in args:
        # Model.deploy without an endpoint creates one (display name "<model>_endpoint"), then deploys with all the
        # traffic; it reads supportedDeploymentResourcesTypes to decide on dedicated resources.
        model = registry.get_model(version=args["deploy"]["version"])
        created = model.deploy(machine_type="n1-standard-4", min_replica_count=1, max_replica_count=2, sync=True)
        out["deployed_by_client"] = {"endpoint": created.name, "traffic_split": dict(created.traffic_split)}
    print(json.dumps(out))


def write(args):
    init(args)
    root = pathlib.Path(tempfile.mkdtemp(prefix="aiplatform-write-"))
    written = {}

    def folder(name, files):
        d = root / name
        for path, data in files.items():
            (d / path).parent.mkdir(parents=True, exist_ok=True)
            (d / path).write_bytes(data)
        return d, {path: sha256(data) for path, data in files.items()}

    # Local folders: Model.upload stages them to the staging bucket through google-cloud-storage
    # (gcs_utils.stage_local_data_in_gcs), then sends the gs:// folder as artifactUri.
    d1, files1 = folder("v1", {"model.bin": os.urandom(300_000), "config/params.json": b'{"depth": 6}\n'})
    first = aiplatform.Model.upload(
        display_name=args["model"],
        model_id=args["model"],
        artifact_uri=str(d1),
        serving_container_image_uri=args["image"],
        serving_container_predict_route="/predict",
        serving_container_health_route="/health",
        labels={"team": "fraud"},
        description="uploaded by aiplatform",
        sync=True,
    )
    written[first.version_id] = {"uri": first.uri, "files": files1, "aliases": sorted(first.version_aliases)}
    d2, files2 = folder("v2", {"model.bin": os.urandom(120_000), "notes/README.txt": "zweite Fassung ✓\n".encode()})
    second = aiplatform.Model.upload(
        parent_model=args["model"],
        artifact_uri=str(d2),
        serving_container_image_uri=args["image"],
        version_aliases=["candidate"],
        version_description="second version",
        is_default_version=False,
        sync=True,
    )
    written[second.version_id] = {"uri": second.uri, "files": files2, "aliases": sorted(second.version_aliases)}
    print(json.dumps({"resource": first.resource_name, "versions": written}))


if __name__ == "__main__":
    {"read": read, "write": write}[sys.argv[1]](json.loads(sys.argv[2]))
