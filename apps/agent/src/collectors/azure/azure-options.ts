import type { AzureCollectorOptions } from './arm.collector.js';

/** The agent config's `azure.*` settings (all optional; unset = no live Azure evidence). */
export interface AzureSettings {
  resourceId?: string;
  auth?: 'workload-identity' | 'managed-identity';
  clientId?: string;
  tenantId?: string;
  federatedTokenFile?: string;
  authorityHost?: string;
  armEndpoint?: string;
  imdsEndpoint?: string;
}

/**
 * Collector options from the settings, filling gaps from what the Azure workload identity webhook injects
 * (`AZURE_CLIENT_ID`, `AZURE_TENANT_ID`, `AZURE_FEDERATED_TOKEN_FILE`, `AZURE_AUTHORITY_HOST`) and, for one-off
 * `scan`/`collect` runs without a config file, `WATCHPOST_AZURE_RESOURCE_ID` / `WATCHPOST_AZURE_ARM_ENDPOINT`. Without
 * `auth`, workload identity is used when a federated token file is known, else the managed identity (IMDS).
 * A workload identity without tenant or client id is a configuration error, returned as text.
 */
export function azureCollectorOptions(
  s: AzureSettings,
  env: NodeJS.ProcessEnv = process.env,
): AzureCollectorOptions | string | undefined {
  const resourceId = s.resourceId ?? env['WATCHPOST_AZURE_RESOURCE_ID'];
  if (!resourceId) return undefined;
  const clientId = s.clientId ?? env['AZURE_CLIENT_ID'];
  const tenantId = s.tenantId ?? env['AZURE_TENANT_ID'];
  const tokenFile = s.federatedTokenFile ?? env['AZURE_FEDERATED_TOKEN_FILE'];
  const authorityHost = s.authorityHost ?? env['AZURE_AUTHORITY_HOST'];
  const kind = s.auth ?? (tokenFile ? 'workload-identity' : 'managed-identity');
  const armEndpoint = s.armEndpoint ?? env['WATCHPOST_AZURE_ARM_ENDPOINT'];
  const base = { resourceId, ...(armEndpoint ? { armEndpoint } : {}) };
  if (kind === 'workload-identity') {
    if (!clientId || !tenantId || !tokenFile)
      return `azure.auth workload-identity needs azure.clientId, azure.tenantId and azure.federatedTokenFile (or AZURE_CLIENT_ID, AZURE_TENANT_ID, AZURE_FEDERATED_TOKEN_FILE from the workload identity webhook); missing: ${[!clientId && 'clientId', !tenantId && 'tenantId', !tokenFile && 'federatedTokenFile'].filter(Boolean).join(', ')}`;
    return {
      ...base,
      auth: { kind, clientId, tenantId, tokenFile, ...(authorityHost ? { authorityHost } : {}) },
    };
  }
  return {
    ...base,
    auth: {
      kind: 'managed-identity',
      ...(clientId ? { clientId } : {}),
      ...(s.imdsEndpoint ? { endpoint: s.imdsEndpoint } : {}),
    },
  };
}
