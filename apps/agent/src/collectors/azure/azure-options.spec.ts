import { describe, expect, test } from '@jest/globals';
import { resolveConfig } from '../../config/agent-config.js';
import { azureCollectorOptions } from './azure-options.js';

const ID =
  '/subscriptions/6f1c2a9e-3b7d-4e58-9a21-0c4d8e7f5b13/resourceGroups/rg-shop-weu/providers/Microsoft.ContainerService/managedClusters/aks-shop-weu';
const BASE = {
  agentId: 'aks-shop-weu.agent',
  tls: { cert: '/c', key: '/k', ca: '/ca' },
  broker: { url: 'mqtts://hub:8883' },
};

describe('azure settings', () => {
  test('workload identity from what the webhook injects', () => {
    const env = {
      AZURE_CLIENT_ID: 'c1',
      AZURE_TENANT_ID: 't1',
      AZURE_FEDERATED_TOKEN_FILE: '/var/run/secrets/azure/tokens/azure-identity-token',
    };
    expect(azureCollectorOptions({ resourceId: ID }, env)).toEqual({
      resourceId: ID,
      auth: {
        kind: 'workload-identity',
        clientId: 'c1',
        tenantId: 't1',
        tokenFile: '/var/run/secrets/azure/tokens/azure-identity-token',
      },
    });
  });

  test('managed identity without a token file; nothing without a resource id', () => {
    expect(azureCollectorOptions({ resourceId: ID, clientId: 'c2' }, {})).toEqual({
      resourceId: ID,
      auth: { kind: 'managed-identity', clientId: 'c2' },
    });
    expect(azureCollectorOptions({}, {})).toBeUndefined();
  });

  test('workload identity without a tenant names what is missing', () => {
    expect(azureCollectorOptions({ resourceId: ID, auth: 'workload-identity', clientId: 'c' }, {})).toContain(
      'missing: tenantId, federatedTokenFile',
    );
  });

  test('the agent config validates the resource id and takes the allow-list as a list or comma-separated', () => {
    const cfg = resolveConfig(
      {
        ...BASE,
        azure: { resourceId: ID, auth: 'managed-identity' },
        imageProvenance: { allowedRegistries: ['shopacr.azurecr.io'] },
      },
      { WATCHPOST_IMAGE_PROVENANCE_ALLOWED_REGISTRIES: 'shopacr.azurecr.io, mcr.microsoft.com' },
      'agent.yaml',
    );
    expect(cfg.azure).toEqual({ resourceId: ID, auth: 'managed-identity' });
    expect(cfg.imageProvenance).toEqual({ allowedRegistries: ['shopacr.azurecr.io', 'mcr.microsoft.com'] });
    expect(() =>
      resolveConfig(
        { ...BASE, azure: { resourceId: '/subscriptions/x/resourceGroups/y' } },
        {},
        'agent.yaml',
      ),
    ).toThrow(/azure.resourceId .*Microsoft.ContainerService\/managedClusters/);
  });
});
