import type { Check } from '../check.js';
import { gmsaCrdInstalled } from './gmsa-crd-installed.check.js';
import { gmsaCredspecValid } from './gmsa-credspec-valid.check.js';
import { gmsaNamespaceOptOut } from './gmsa-namespace-opt-out.check.js';
import { gmsaPodCredspec } from './gmsa-pod-credspec.check.js';
import { gmsaPodRbacUse } from './gmsa-pod-rbac-use.check.js';
import { gmsaWebhookCertificate } from './gmsa-webhook-certificate.check.js';
import { gmsaWebhookConfig } from './gmsa-webhook-config.check.js';
import { gmsaWebhookEndpoints } from './gmsa-webhook-endpoints.check.js';

/** Implementations of the `identity` area, in catalogue order. */
export const IDENTITY_IMPLEMENTATIONS: Check[] = [
  gmsaCrdInstalled,
  gmsaWebhookConfig,
  gmsaWebhookEndpoints,
  gmsaWebhookCertificate,
  gmsaNamespaceOptOut,
  gmsaCredspecValid,
  gmsaPodCredspec,
  gmsaPodRbacUse,
];
