/**
 * Reads `secretsmanager:` references with `@aws-sdk/client-secrets-manager` (imported on first use).
 * Region, credentials and endpoint come from the standard AWS environment (`AWS_REGION`, the Lambda
 * role, `AWS_ENDPOINT_URL_SECRETS_MANAGER`), like every AWS SDK client.
 */

/** `name-or-ARN` and an optional `#key` of a JSON secret. */
export function parseAwsSecretReference(reference: string): { secretId: string; key?: string } {
  const hash = reference.lastIndexOf('#');
  if (hash < 0) return { secretId: reference };
  return { secretId: reference.slice(0, hash), key: reference.slice(hash + 1) };
}

export async function readAwsSecret(reference: string): Promise<string> {
  const { secretId, key } = parseAwsSecretReference(reference);
  if (!secretId) throw new Error('the reference names no secret');
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({ maxAttempts: 4 });
  try {
    const response = await client.send(new GetSecretValueCommand({ SecretId: secretId }));
    const text =
      response.SecretString ??
      (response.SecretBinary ? Buffer.from(response.SecretBinary).toString('utf8') : undefined);
    if (text === undefined) throw new Error('the secret has no value');
    if (key === undefined) return text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      throw new Error(`the secret is not JSON, so it has no key "${key}"`);
    }
    const value = (parsed as Record<string, unknown> | null)?.[key];
    if (typeof value !== 'string' || value === '')
      throw new Error(`the secret's JSON has no string under "${key}"`);
    return value;
  } catch (error) {
    // SDK errors name the exception (AccessDeniedException, ResourceNotFoundException), never the value.
    const name = (error as { name?: string }).name;
    throw new Error(
      name && name !== 'Error' ? `${name}: ${(error as Error).message}` : (error as Error).message,
      { cause: error },
    );
  } finally {
    client.destroy();
  }
}
