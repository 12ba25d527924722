import type { TerraformStack } from 'cdktf';

/**
 * The Google providers the AWS and Google Cloud stacks pin. `google_chronicle_feed` first shipped in
 * 7.27.0 (the providers' changelog, corrected by hashicorp/terraform-provider-google-beta#12020); google
 * and google-beta are pinned to the same releases, from that one up to the next major.
 */
export const GOOGLE_MINIMUM = '7.27.0';
export const GOOGLE_VERSION = `>= ${GOOGLE_MINIMUM}, < 8.0.0`;

/**
 * Pins google-beta (the SecOps feeds' provider) and, when `google` is true, google itself to
 * GOOGLE_VERSION in `stack`: both to the same releases, and none older than the feeds need.
 */
export function pinGoogleProviders(stack: TerraformStack, { google }: { google: boolean }): void {
  stack.addOverride('terraform.required_providers.google-beta.version', GOOGLE_VERSION);
  if (google) stack.addOverride('terraform.required_providers.google.version', GOOGLE_VERSION);
}
