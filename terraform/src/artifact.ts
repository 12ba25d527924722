/**
 * A built artifact a stack deploys (`lambda.zip`, `function.zip`): copied into the stack's assets by
 * cdktf, and checked against the SHA-256 the build wrote beside it, so a stale or damaged artifact
 * fails the synth instead of being deployed. Terraform hashes the copied file itself for
 * `source_code_hash`: the value is the build's, as deployed, with no hash in the synthesized JSON.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { AssetType, Fn, TerraformAsset } from 'cdktf';
import type { Construct } from 'constructs';

export interface DeployedArtifact {
  /** The artifact's path in the stack's folder, for `filename` / `source`. */
  path: string;
  /** Base64 SHA-256 of the file, computed by Terraform (`filebase64sha256`). */
  sha256: string;
}

/** Fails naming the file and how to build it when the artifact is missing or not the build's. */
export function deployArtifact(
  scope: Construct,
  id: string,
  root: string,
  file: string,
  build: string,
): DeployedArtifact {
  const path = isAbsolute(file) ? file : join(root, file);
  if (!existsSync(path)) throw new Error(`${file} does not exist: build it first (${build})`);
  const sidecar = `${path}.base64sha256`;
  if (existsSync(sidecar)) {
    const expected = readFileSync(sidecar, 'utf8').trim();
    const actual = createHash('sha256').update(readFileSync(path)).digest('base64');
    if (expected !== actual)
      throw new Error(
        `${file} does not match the SHA-256 its build wrote (${sidecar}): build it again (${build})`,
      );
  }
  const asset = new TerraformAsset(scope, id, { path, type: AssetType.FILE });
  return { path: asset.path, sha256: Fn.filebase64sha256(asset.path) };
}
