// The SageMaker and S3 contract derived from botocore's service models holds what the fakes need, and its checker
// refuses what AWS refuses: unknown members, missing required ones, enum values, lengths and patterns.
import { describe, expect, it } from "vitest";
import { awsService, sageMakerRequestProblems } from "../support/aws-contract.js";

const valid = {
  ModelPackageGroupName: "fraud",
  ModelPackageDescription: "gradient boosting",
  ModelApprovalStatus: "PendingManualApproval",
  ClientToken: "0b8c4c6e-3f4d-4b8a-9a1e-2f5d6c7b8a90",
  MetadataProperties: { CommitId: "9f2c1e7", Repository: "https://github.com/acme/fraud" },
  CustomerMetadataProperties: { "modelreg.stage": "staging", team: "risk" },
  ModelLifeCycle: { Stage: "Staging", StageStatus: "Approved" },
  InferenceSpecification: {
    Containers: [
      {
        Image: "123456789012.dkr.ecr.us-east-1.amazonaws.com/serve:1",
        ModelDataSource: { S3DataSource: { S3Uri: "s3://models/fraud/1/", S3DataType: "S3Prefix", CompressionType: "None" } },
      },
    ],
    SupportedContentTypes: ["application/json"],
    SupportedResponseMIMETypes: ["application/json"],
  },
};

describe("the AWS contract (botocore service models)", () => {
  it("covers the operations the adapter and the S3 layer call, with their bindings", () => {
    const sm = awsService("sagemaker/2017-07-24");
    expect(sm.metadata).toMatchObject({ protocol: "json", targetPrefix: "SageMaker" });
    for (const op of ["CreateModelPackageGroup", "CreateModelPackage", "DescribeModelPackage", "ListModelPackages", "UpdateModelPackage", "UpdateEndpointWeightsAndCapacities"])
      expect(sm.operations[op], op).toBeDefined();
    const s3 = awsService("s3/2006-03-01");
    expect(s3.operations.PutObject?.http).toEqual({ method: "PUT", requestUri: "/{Bucket}/{Key+}" });
    expect(s3.shapes.PutObjectRequest?.members?.ChecksumSHA256).toMatchObject({ location: "header", locationName: "x-amz-checksum-sha256" });
    expect(s3.shapes.PutObjectRequest?.members?.IfNoneMatch).toMatchObject({ location: "header", locationName: "If-None-Match" });
    expect(s3.operations.ListObjectsV2?.http.requestUri).toBe("/{Bucket}?list-type=2");
  });

  it("accepts a well-formed CreateModelPackage and names each thing AWS would refuse", () => {
    expect(sageMakerRequestProblems("SageMaker.CreateModelPackage", valid)).toEqual([]);
    const bad = {
      ...valid,
      ModelApprovalStatus: "Approvedish",
      ClientToken: "x".repeat(37),
      CustomerMetadataProperties: { stage: "" },
      ModelLifeCycle: { Stage: "Staging" },
      Aliases: ["champion"],
    };
    const problems = sageMakerRequestProblems("SageMaker.CreateModelPackage", bad);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\$\.ModelApprovalStatus: "Approvedish" is not one of /),
        expect.stringMatching(/^\$\.ClientToken: length 37 is above the maximum 36/),
        expect.stringMatching(/^\$\.CustomerMetadataProperties\.stage: length 0 is below the minimum 1/),
        "$.ModelLifeCycle.StageStatus: required by ModelLifeCycle",
        "$.Aliases: not a member of CreateModelPackageInput",
      ]),
    );
    expect(sageMakerRequestProblems("SageMaker.CreateModelPackageGroup", {})).toEqual(["$.ModelPackageGroupName: required by CreateModelPackageGroupInput"]);
    expect(sageMakerRequestProblems("SageMaker.CreateModelPackageGroup", { ModelPackageGroupName: "fraud_v2" })[0]).toMatch(/does not match/);
    expect(sageMakerRequestProblems("AmazonSageMaker.CreateModelPackage", valid)[0]).toMatch(/does not start with SageMaker\./);
    expect(sageMakerRequestProblems("SageMaker.DeleteEverything", {})[0]).toMatch(/not an operation/);
  });
});
