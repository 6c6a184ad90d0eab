import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import type { Evidence } from '@watchpost/shared';
import { readBundle } from '../bundle.reader.js';
import { runChecks } from '../../scan/runner.js';
import { startAzureStandIn, type AzureStandIn } from '../../testing/azure-stand-in.js';
import { collectAzure } from './arm.collector.js';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));
const SAMPLE = join(ROOT, 'test/fixtures/bundles/aks-azure');
const MC_ID =
  '/subscriptions/6f1c2a9e-3b7d-4e58-9a21-0c4d8e7f5b13/resourcegroups/rg-shop-weu/providers/Microsoft.ContainerService/managedClusters/aks-shop-weu';
const FORBIDDEN_ID =
  '/subscriptions/6f1c2a9e-3b7d-4e58-9a21-0c4d8e7f5b13/resourceGroups/rg-pay/providers/Microsoft.ContainerService/managedClusters/aks-pay';
const CC_ID =
  '/subscriptions/6f1c2a9e-3b7d-4e58-9a21-0c4d8e7f5b13/resourceGroups/rg-hci-payments/providers/Microsoft.Kubernetes/connectedClusters/hci-wl-payments';
const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT = '1b6e3f2a-9d4c-4a71-8e05-c2f7a9d1b836';
const SA_TOKEN =
  'eyJhbGciOiJSUzI1NiIsImtpZCI6InN0YW5kLWluIn0.eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6d2F0Y2hwb3N0OndhdGNocG9zdC1hZ2VudCJ9.c2ln';
const AZURE_CHECKS = [
  'aks-local-accounts-disabled',
  'aks-entra-id-integration',
  'aks-api-server-access',
  'aks-auto-upgrade',
  'aks-keyvault-kms',
  'defender-for-containers',
  'azure-policy-addon',
];

const managedCluster = JSON.parse(
  readFileSync(join(SAMPLE, 'azure/managed-cluster.json'), 'utf8'),
) as unknown;
const extensions = Array.from({ length: 3 }, (_, i) => ({
  id: `${CC_ID}/providers/Microsoft.KubernetesConfiguration/extensions/ext-${i}`,
  name: ['microsoft.azuredefender.kubernetes', 'azurepolicy', 'flux'][i],
  type: 'Microsoft.KubernetesConfiguration/extensions',
  properties: {
    extensionType: ['microsoft.azuredefender.kubernetes', 'microsoft.policyinsights', 'microsoft.flux'][i],
    provisioningState: 'Succeeded',
    currentVersion: ['0.7.36', '1.10.1', '1.14.2'][i],
    autoUpgradeMinorVersion: true,
    releaseTrain: 'Stable',
  },
}));

let arm: AzureStandIn;
let dir: string;
let tokenFile: string;

beforeAll(async () => {
  arm = await startAzureStandIn({
    tenantId: TENANT,
    clientId: CLIENT,
    serviceAccountToken: SA_TOKEN,
    resources: {
      [MC_ID]: managedCluster,
      [`${CC_ID}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`]: {
        id: `${CC_ID}/providers/Microsoft.HybridContainerService/provisionedClusterInstances/default`,
        name: 'default',
        type: 'microsoft.hybridcontainerservice/provisionedclusterinstances',
        properties: {
          kubernetesVersion: '1.30.4',
          provisioningState: 'Succeeded',
          agentPoolProfiles: [
            { name: 'nodepool1', count: 2, osType: 'Linux', osSKU: 'CBLMariner', vmSize: 'Standard_A4_v2' },
          ],
        },
      },
      [`${CC_ID}/providers/Microsoft.KubernetesConfiguration/extensions`]: { value: extensions },
    },
    forbidden: [FORBIDDEN_ID],
    pageSize: 2,
  });
  dir = mkdtempSync(join(tmpdir(), 'wp-arm-'));
  tokenFile = join(dir, 'azure-identity-token');
  writeFileSync(tokenFile, SA_TOKEN);
});

afterAll(async () => {
  await arm.close();
  rmSync(dir, { recursive: true, force: true });
});

function workloadIdentity(file = tokenFile) {
  return {
    kind: 'workload-identity' as const,
    tenantId: TENANT,
    clientId: CLIENT,
    tokenFile: file,
    authorityHost: arm.url,
  };
}

async function verdicts(azure: Evidence['azure']): Promise<Record<string, string[]>> {
  const evidence = await readBundle(SAMPLE);
  if (azure) evidence.azure = azure;
  else delete evidence.azure;
  const report = runChecks(evidence, { now: new Date('2026-11-23T12:00:00Z'), only: AZURE_CHECKS });
  const out: Record<string, string[]> = {};
  for (const r of report.results) (out[r.checkId] ??= []).push(`${r.outcome}: ${r.message}`);
  return out;
}

describe('live Azure collector against the ARM stand-in', () => {
  test('workload identity: the managed cluster from ARM gives the same verdicts as the bundle file', async () => {
    const azure = await collectAzure({
      resourceId: MC_ID,
      auth: workloadIdentity(),
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    expect(azure.managedCluster?.status).toBe('ok');
    expect(arm.requests).toContain(`POST /${TENANT}/oauth2/v2.0/token`);
    const live = await verdicts(azure);
    const bundle = await verdicts((await readBundle(SAMPLE)).azure);
    expect(live).toEqual(bundle);
    expect(live['aks-local-accounts-disabled']?.[0]).toMatch(/^fail:/);
    expect(live['aks-entra-id-integration']?.[0]).toMatch(/^pass:/);
  });

  test('managed identity: IMDS token, same document', async () => {
    const azure = await collectAzure({
      resourceId: MC_ID,
      auth: { kind: 'managed-identity', clientId: CLIENT, endpoint: arm.imdsEndpoint },
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    expect(azure.managedCluster).toEqual({ status: 'ok', value: managedCluster });
    expect(arm.requests).toContain('IMDS GET /metadata/identity/oauth2/token');
  });

  test('ARM 403 is a collector error naming the Reader role, and every Azure check errs instead of passing', async () => {
    const azure = await collectAzure({
      resourceId: FORBIDDEN_ID,
      auth: workloadIdentity(),
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    expect(azure.managedCluster?.status).toBe('error');
    const message = azure.managedCluster?.status === 'error' ? azure.managedCluster.error.message : '';
    expect(message).toContain('AuthorizationFailed');
    expect(message).toContain(
      `the Reader role on the cluster resource: az role assignment create --assignee <client-id> --role Reader --scope ${FORBIDDEN_ID}`,
    );
    const v = await verdicts(azure);
    for (const id of AZURE_CHECKS)
      expect({ id, outcomes: v[id]?.map((m) => m.split(':')[0]) }).toEqual({ id, outcomes: ['error'] });
    expect(v['aks-keyvault-kms']?.[0]).toContain('Reader role');
  });

  test('a missing file and a rejected federated token are errors too, never passes; no secret is echoed', async () => {
    expect((await verdicts(undefined))['aks-local-accounts-disabled']?.[0]).toContain(
      'azure/managed-cluster.json was not collected',
    );
    const wrong = join(dir, 'wrong-token');
    writeFileSync(wrong, 'eyJ.not-the-federated-token.sig');
    const azure = await collectAzure({
      resourceId: MC_ID,
      auth: workloadIdentity(wrong),
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    const message = azure.managedCluster?.status === 'error' ? azure.managedCluster.error.message : '';
    expect(message).toContain('AADSTS700213');
    expect(message).not.toContain('eyJ.not-the-federated-token');
    const missing = await collectAzure({
      resourceId: MC_ID,
      auth: workloadIdentity(join(dir, 'absent')),
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    expect(missing.managedCluster?.status === 'error' && missing.managedCluster.error.message).toContain(
      'ENOENT',
    );
  });

  test('AKS Arc connected cluster: provisioned cluster and extensions, paged through nextLink', async () => {
    const before = arm.requests.length;
    const azure = await collectAzure({
      resourceId: CC_ID,
      auth: workloadIdentity(),
      armEndpoint: arm.url,
      ca: arm.caPem,
    });
    expect(azure.provisionedCluster?.status).toBe('ok');
    expect(azure.extensions).toEqual({ status: 'ok', value: { value: extensions } });
    const pages = arm.requests.slice(before).filter((r) => r.endsWith('/extensions'));
    expect(pages).toHaveLength(2);
  });
});
