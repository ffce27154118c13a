# boto3's side of the SageMaker interop test (test/sagemaker/server/interop-boto3.test.ts), against moto.
#   read <endpoint> <package-arn>: what SageMaker users see of a package modelreg registered, and the files they
#     download from its S3 location (sha256 of each), printed as JSON.
#   register <endpoint> <group> <bucket>: registers packages the way SageMaker users do, without modelreg: an
#     uncompressed S3Prefix (approved), a model.tar.gz ModelDataUrl (pending), and one without an inference
#     specification; prints their ARNs and the files' sha256 as JSON.
# Credentials and the region come from the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
# AWS_SESSION_TOKEN, AWS_DEFAULT_REGION).
import hashlib
import io
import json
import sys
import tarfile

import boto3


def clients(endpoint):
    return boto3.client("sagemaker", endpoint_url=endpoint), boto3.client("s3", endpoint_url=endpoint)


def read(endpoint, arn):
    sm, s3 = clients(endpoint)
    pkg = sm.describe_model_package(ModelPackageName=arn)
    source = pkg["InferenceSpecification"]["Containers"][0]["ModelDataSource"]["S3DataSource"]
    bucket, _, prefix = source["S3Uri"][len("s3://"):].partition("/")
    files = {}
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
        for obj in page.get("Contents", []):
            body = s3.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
            files[obj["Key"][len(prefix):]] = hashlib.sha256(body).hexdigest()
    stats = pkg.get("ModelMetrics", {}).get("ModelQuality", {}).get("Statistics")
    metrics = None
    if stats:
        m_bucket, _, m_key = stats["S3Uri"][len("s3://"):].partition("/")
        body = s3.get_object(Bucket=m_bucket, Key=m_key)["Body"].read()
        metrics = {"digest": "sha256:" + hashlib.sha256(body).hexdigest(), "declared": stats.get("ContentDigest"), "document": json.loads(body)}
    listed = sm.list_model_packages(ModelPackageGroupName=pkg["ModelPackageGroupName"], ModelPackageType="Versioned")
    print(
        json.dumps(
            {
                "approval": pkg.get("ModelApprovalStatus"),
                "approvalDescription": pkg.get("ApprovalDescription"),
                "properties": pkg.get("CustomerMetadataProperties"),
                "metadata": pkg.get("MetadataProperties"),
                "description": pkg.get("ModelPackageDescription"),
                "image": pkg["InferenceSpecification"]["Containers"][0].get("Image"),
                "source": source,
                "contentTypes": pkg["InferenceSpecification"].get("SupportedContentTypes"),
                "files": files,
                "metrics": metrics,
                "listed": [s["ModelPackageArn"] for s in listed["ModelPackageSummaryList"]],
            }
        )
    )


def register(endpoint, group, bucket):
    sm, s3 = clients(endpoint)
    image = "123456789012.dkr.ecr.us-east-1.amazonaws.com/byo:2"
    files = {"model.pth": b"weights " * 500, "code/inference.py": b"def model_fn(d):\n    return d\n"}
    digests = {}
    for path, body in files.items():
        s3.put_object(Bucket=bucket, Key=f"byo/{group}/uncompressed/{path}", Body=body)
        digests[path] = hashlib.sha256(body).hexdigest()
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w:gz") as tar:
        for path, body in files.items():
            info = tarfile.TarInfo(path)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    s3.put_object(Bucket=bucket, Key=f"byo/{group}/model.tar.gz", Body=archive.getvalue())
    sm.create_model_package_group(ModelPackageGroupName=group, ModelPackageGroupDescription="registered with boto3")
    prefix = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelPackageDescription="uncompressed",
        ModelApprovalStatus="Approved",
        InferenceSpecification={
            "Containers": [
                {
                    "Image": image,
                    "ModelDataSource": {"S3DataSource": {"S3Uri": f"s3://{bucket}/byo/{group}/uncompressed/", "S3DataType": "S3Prefix", "CompressionType": "None"}},
                }
            ],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
        CustomerMetadataProperties={"owner": "ml-platform"},
        MetadataProperties={"CommitId": "4b825dc", "Repository": "https://example.com/ml.git"},
    )
    tarball = sm.create_model_package(
        ModelPackageGroupName=group,
        ModelPackageDescription="tarball",
        ModelApprovalStatus="PendingManualApproval",
        InferenceSpecification={
            "Containers": [{"Image": image, "ModelDataUrl": f"s3://{bucket}/byo/{group}/model.tar.gz"}],
            "SupportedContentTypes": ["application/json"],
            "SupportedResponseMIMETypes": ["application/json"],
        },
    )
    bare = sm.create_model_package(ModelPackageGroupName=group, ModelPackageDescription="no inference specification", ModelApprovalStatus="Rejected")
    print(
        json.dumps(
            {
                "prefix": prefix["ModelPackageArn"],
                "tarball": tarball["ModelPackageArn"],
                "bare": bare["ModelPackageArn"],
                "digests": digests,
                "tarballSha256": hashlib.sha256(archive.getvalue()).hexdigest(),
            }
        )
    )


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    {"read": read, "register": register}[command](*args)
