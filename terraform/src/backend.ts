/**
 * Where a stack keeps its Terraform state, as the environment file names it (`backend`): a local file
 * under `terraform/state/` (outside `cdktf.out`, which `make clean` deletes), or S3 with its lock file,
 * GCS or azurerm — all of which lock. Written into the stack as its one `terraform.backend` block, so no
 * `backend.tf.json` beside it is needed (one would be a duplicate backend, which Terraform refuses).
 */
import { TerraformBackend, type TerraformRemoteState } from 'cdktf';
import type { Construct } from 'constructs';
import type { Environment } from './environment.ts';

type Backend = Environment['backend'];

/** The local state of `stack`, relative to its folder `terraform/cdktf.out/stacks/<stack>/`. */
export const localStatePath = (stack: string) => `../../../state/${stack}/terraform.tfstate`;

/** The backend block's type and settings for `stack`. */
export function backendBlock(stack: string, backend: Backend): [string, Record<string, unknown>] {
  switch (backend.type) {
    case 'local':
      return ['local', { path: backend.path ?? localStatePath(stack) }];
    case 's3':
      return [
        's3',
        {
          bucket: backend.bucket,
          key: backend.key ?? `ctxsiem/${stack}/terraform.tfstate`,
          region: backend.region,
          encrypt: true,
          use_lockfile: true,
          ...(backend.kmsKeyId ? { kms_key_id: backend.kmsKeyId } : {}),
          ...(backend.dynamodbTable ? { dynamodb_table: backend.dynamodbTable } : {}),
        },
      ];
    case 'gcs':
      return ['gcs', { bucket: backend.bucket, prefix: backend.prefix ?? `ctxsiem/${stack}` }];
    case 'azurerm':
      return [
        'azurerm',
        {
          resource_group_name: backend.resourceGroup,
          storage_account_name: backend.storageAccount,
          container_name: backend.container,
          key: backend.key ?? `ctxsiem/${stack}.tfstate`,
          use_azuread_auth: true,
        },
      ];
  }
}

/** The stack's backend, as the environment names it. */
export class StateBackend extends TerraformBackend {
  readonly #settings: Record<string, unknown>;

  constructor(scope: Construct, stack: string, backend: Backend) {
    const [type, settings] = backendBlock(stack, backend);
    super(scope, 'backend', type);
    this.#settings = settings;
  }

  protected override synthesizeAttributes(): Record<string, unknown> {
    return this.#settings;
  }

  override getRemoteStateDataSource(): TerraformRemoteState {
    throw new Error('ctxsiem stacks do not read each other’s state');
  }
}
