/**
 * Reading SageMaker's records and modelreg's beside them: a group, its tags, its packages (a page, all, the latest),
 * one package by number, alias or `latest`, and a package as the spec's version. Every primitive shares these.
 *
 * @module
 */

import { NotFoundError } from "../../core/errors.js";
import type { CallOptions } from "../../core/options.js";
import { ownValue } from "../../core/own-keys.js";
import type { VersionRef } from "../../core/refs.js";
import type { ModelVersion } from "../../core/types.js";
import {
  groupSchema,
  listPackagesSchema,
  listTagsSchema,
  packageSchema,
  type SageMakerGroup,
  type SageMakerPackage,
  type SageMakerPackageSummary,
} from "./sagemaker-api.js";
import { aliasesOf, dataLocation, toModelVersion, versionOf } from "./sagemaker-convert.js";
import type { RecordStore, VersionRecord } from "./sagemaker-metadata.js";
import { PROPERTY, packageArn, parseS3Location } from "./sagemaker-names.js";
import { PROVIDER, type SageMakerTransport } from "./sagemaker-transport.js";

/** SageMaker's records and modelreg's, for one registry. */
export class SageMakerRecords {
  /** `arn:<partition>:sagemaker:<region>:<account>:model-package-group/x`, as first seen: package ARNs are built on it. */
  #groupArn: string | undefined;
  /** Whether the server lowercases the group in package ARNs (moto does, AWS does not: reference §12.8); unknown at first. */
  #lowercase: boolean | undefined;

  /**
   * @param transport - The SageMaker API client.
   * @param store - modelreg's records and the artifacts in S3.
   */
  constructor(
    readonly transport: SageMakerTransport,
    readonly store: RecordStore,
  ) {}

  /** A group; `NotFoundError` when there is none. */
  async group(model: string, op: string, options: CallOptions | undefined): Promise<SageMakerGroup> {
    const group = await this.transport.call({
      operation: op,
      action: "DescribeModelPackageGroup",
      body: { ModelPackageGroupName: model },
      schema: groupSchema,
      options,
    });
    this.#groupArn ??= group.ModelPackageGroupArn;
    return group;
  }

  /** A group, or `undefined` when there is none. */
  async findGroup(model: string, op: string, options: CallOptions | undefined): Promise<SageMakerGroup | undefined> {
    return this.group(model, op, options).catch((error: unknown) => {
      if (NotFoundError.isInstance(error)) return undefined;
      throw error;
    });
  }

  /** A resource's tags, every page; of a key given twice (moto appends on `AddTags`, §12.2) the last value counts. */
  async tags(arn: string, op: string, options: CallOptions | undefined): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    let token: string | undefined;
    do {
      const res = await this.transport.call({
        operation: op,
        action: "ListTags",
        body: { ResourceArn: arn, MaxResults: 100, ...(token && { NextToken: token }) },
        schema: listTagsSchema,
        options,
      });
      for (const tag of res.Tags ?? []) out.set(tag.Key, tag.Value ?? "");
      token = res.NextToken || undefined;
    } while (token);
    return out;
  }

  /** One page of a group's versioned packages, newest first. */
  async packagePage(
    model: string,
    page: { pageSize: number; token: string | undefined },
    op: string,
    options: CallOptions | undefined,
  ): Promise<{ items: SageMakerPackageSummary[]; next: string | undefined }> {
    const res = await this.transport.call({
      operation: op,
      action: "ListModelPackages",
      body: {
        ModelPackageGroupName: model,
        ModelPackageType: "Versioned",
        SortBy: "CreationTime",
        SortOrder: "Descending",
        MaxResults: page.pageSize,
        ...(page.token && { NextToken: page.token }),
      },
      schema: listPackagesSchema,
      options,
    });
    const items = res.ModelPackageSummaryList ?? [];
    for (const item of items) this.#learnArn(model, item.ModelPackageArn);
    // Packages made within the same instant may come in either order; the numbers decide.
    items.sort((a, b) => Number(versionOf(b)) - Number(versionOf(a)));
    return { items, next: res.NextToken || undefined };
  }

  /** Every versioned package of a group, newest first. */
  async allPackages(model: string, op: string, options: CallOptions | undefined): Promise<SageMakerPackageSummary[]> {
    const out: SageMakerPackageSummary[] = [];
    let token: string | undefined;
    do {
      const page = await this.packagePage(model, { pageSize: 100, token }, op, options);
      out.push(...page.items);
      token = page.next;
    } while (token);
    return out.sort((a, b) => Number(versionOf(b)) - Number(versionOf(a)));
  }

  /** The highest version number of a group, or `undefined` when it has none. */
  async latest(model: string, op: string, options: CallOptions | undefined): Promise<SageMakerPackageSummary | undefined> {
    const page = await this.packagePage(model, { pageSize: 100, token: undefined }, op, options);
    return page.items[0];
  }

  /** A package by ARN. */
  async describe(arn: string, op: string, options: CallOptions | undefined): Promise<SageMakerPackage> {
    return this.transport.call({ operation: op, action: "DescribeModelPackage", body: { ModelPackageName: arn }, schema: packageSchema, options });
  }

  /** Version `n` of a group; `NotFoundError` when the group or the version is missing. */
  async byVersion(model: string, version: string, op: string, options: CallOptions | undefined): Promise<SageMakerPackage> {
    const groupArn = this.#groupArn ?? (await this.group(model, op, options)).ModelPackageGroupArn;
    const exact = () => this.describe(packageArn(groupArn, model, version, false), op, options);
    const lower = () => this.describe(packageArn(groupArn, model, version, true), op, options);
    if (model === model.toLowerCase()) return exact();
    if (this.#lowercase === true) return lower();
    if (this.#lowercase === false) return exact();
    try {
      const pkg = await exact();
      this.#lowercase = false;
      return pkg;
    } catch (error) {
      if (!NotFoundError.isInstance(error)) throw error;
      const pkg = await lower();
      this.#lowercase = true;
      return pkg;
    }
  }

  /** The package a reference names; `NotFoundError` when there is none. */
  async resolve(ref: VersionRef, op: string, options: CallOptions | undefined): Promise<SageMakerPackage> {
    if ("version" in ref) return this.byVersion(ref.model, ref.version, op, options);
    if (ref.alias === "latest") {
      const top = await this.latest(ref.model, op, options);
      if (!top) {
        await this.group(ref.model, op, options);
        throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no versions`, { provider: PROVIDER, operation: op });
      }
      return this.describe(top.ModelPackageArn, op, options);
    }
    const version = await this.aliasTarget(ref.model, ref.alias, op, options);
    if (version === undefined)
      throw new NotFoundError(`model ${JSON.stringify(ref.model)} has no alias ${JSON.stringify(ref.alias)}`, { provider: PROVIDER, operation: op });
    return this.byVersion(ref.model, version, op, options);
  }

  /** The version an alias points at, or `undefined`; `NotFoundError` when the model is missing. */
  async aliasTarget(model: string, alias: string, op: string, options: CallOptions | undefined): Promise<string | undefined> {
    const group = await this.group(model, op, options);
    return ownValue(aliasesOf(await this.tags(group.ModelPackageGroupArn, op, options)), alias);
  }

  /**
   * The number of the folder modelreg stored a package's files in: its `modelreg:folder` property, else (should an
   * update elsewhere have dropped the properties) its data location when that is a `<model>/<n>/` folder of this root.
   */
  folderOf(model: string, pkg: SageMakerPackage): number | undefined {
    const property = pkg.CustomerMetadataProperties?.[PROPERTY.folder];
    if (property !== undefined && /^[1-9]\d{0,9}$/.test(property)) return Number(property);
    const location = dataLocation(pkg);
    const at = location && parseS3Location(location.uri);
    if (!at || at.bucket !== this.store.bucket) return undefined;
    const dir = `${this.store.modelDir(model)}/`;
    const rest = at.prefix.startsWith(dir) ? at.prefix.slice(dir.length) : "";
    return /^[1-9]\d{0,9}$/.test(rest) ? Number(rest) : undefined;
  }

  /** modelreg's record of a package, or `undefined` for a package another tool made. */
  async record(model: string, pkg: SageMakerPackage, op: string, options: CallOptions | undefined): Promise<VersionRecord | undefined> {
    // The group's name as SageMaker spells it names the folder, whatever spelling the caller used.
    const name = pkg.ModelPackageGroupName ?? model;
    const folder = this.folderOf(name, pkg);
    if (folder === undefined) return undefined;
    const record = await this.store.readVersion(name, folder, { ...options, operation: op });
    // A record names its package by the create's token; a folder claimed by one create and pointed at by another
    // package (by hand) is not that package's record.
    const token = pkg.CustomerMetadataProperties?.[PROPERTY.token];
    return record && (token === undefined || token === record.token) ? record : undefined;
  }

  /** A package as the spec's version, with its record and the aliases (of `aliases`, alias to version) on it. */
  async toVersion(model: string, pkg: SageMakerPackage, aliases: Record<string, string>, op: string, options: CallOptions | undefined): Promise<ModelVersion> {
    const version = versionOf(pkg);
    const record = await this.record(model, pkg, op, options);
    const on = Object.entries(aliases)
      .filter(([, v]) => v === version)
      .map(([a]) => a);
    return toModelVersion(model, pkg, record, on);
  }

  /** The aliases of a model, alias to version. */
  async aliases(model: string, op: string, options: CallOptions | undefined): Promise<Record<string, string>> {
    const group = await this.group(model, op, options);
    return aliasesOf(await this.tags(group.ModelPackageGroupArn, op, options));
  }

  /** Learns from a package ARN whether the server lowercases the group in it. */
  #learnArn(model: string, arn: string): void {
    if (this.#lowercase !== undefined || model === model.toLowerCase()) return;
    if (arn.includes(`/${model}/`)) this.#lowercase = false;
    else if (arn.includes(`/${model.toLowerCase()}/`)) this.#lowercase = true;
  }
}
