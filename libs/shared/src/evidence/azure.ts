import type { CollectorError } from './evidence.js';

/**
 * Azure resource evidence: the cluster's Azure resource as ARM returns it or as `az` prints it. Bundle files
 * (`azure/managed-cluster.json`, `azure/provisioned-cluster.json`, `azure/extensions.json`) and the live ARM
 * collector both fill `Evidence.azure`; the checks read it only through the readers below, which accept both
 * shapes (ARM: settings under `properties`; `az aks show -o json`: the same settings at the top level, with
 * the CLI's own key casing such as `authorizedIpRanges`, `osSku`, `nodeOsUpgradeChannel`).
 */

/** Bundle file names, by document. */
export const AZURE_FILES = {
  managedCluster: 'azure/managed-cluster.json',
  provisionedCluster: 'azure/provisioned-cluster.json',
  extensions: 'azure/extensions.json',
} as const;

/** Which Azure document. */
export type AzureDocumentName = keyof typeof AZURE_FILES;

/** One Azure document as collected: the raw JSON, or why it is not there. */
export type AzureDocument = { status: 'ok'; value: unknown } | { status: 'error'; error: CollectorError };

/** `Evidence.azure`: absent documents were not collected (not an Azure cluster, or not configured). */
export type AzureEvidence = Partial<Record<AzureDocumentName, AzureDocument>>;

/** The role a reader needs on the cluster resource; named in every access error. */
export const AZURE_READER_ROLE = 'Reader';

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Case-insensitive property lookup along a path (ARM and az spell some keys differently). */
export function azureProp(obj: unknown, ...path: string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isRecord(cur)) return undefined;
    const lower = key.toLowerCase();
    const hit = Object.keys(cur).find((k) => k.toLowerCase() === lower);
    cur = hit === undefined ? undefined : cur[hit];
  }
  return cur;
}

function bool(v: unknown): boolean | undefined {
  return typeof v === 'boolean' ? v : undefined;
}
function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/** An ARM error answer saved in place of a resource (`{"error": {"code", "message"}}`), as text. */
function armError(doc: unknown): string | undefined {
  const e = azureProp(doc, 'error');
  if (!isRecord(e)) return undefined;
  return `${str(azureProp(e, 'code')) ?? 'Error'}: ${str(azureProp(e, 'message')) ?? ''}`.trim();
}

/** The settings object of a resource document: `properties` (ARM) or the document itself (`az ... show`). */
function settingsOf(doc: Record<string, unknown>): { shape: 'arm' | 'az'; props: Record<string, unknown> } {
  const p = azureProp(doc, 'properties');
  return isRecord(p) ? { shape: 'arm', props: p } : { shape: 'az', props: doc };
}

/** One agent (node) pool of a managed or provisioned cluster. */
export interface AzureAgentPool {
  name: string;
  mode?: string;
  osType?: string;
  /** `AzureLinux`, `Ubuntu`, `CBLMariner`, `Windows2022`... */
  osSku?: string;
  orchestratorVersion?: string;
  count?: number;
}

/** What the checks read from an AKS managed cluster, the same whichever shape it came in. */
export interface ManagedClusterFacts {
  shape: 'arm' | 'az';
  id?: string;
  name?: string;
  location?: string;
  kubernetesVersion?: string;
  disableLocalAccounts?: boolean;
  enableRbac?: boolean;
  /** Absent: no Entra ID (AAD) integration at all. */
  aad?: { managed?: boolean; enableAzureRbac?: boolean; adminGroupObjectIds: string[] };
  apiServer: { enablePrivateCluster?: boolean; authorizedIpRanges: string[]; disableRunCommand?: boolean };
  autoUpgrade: { upgradeChannel?: string; nodeOsUpgradeChannel?: string };
  keyVaultKms?: { enabled?: boolean; keyId?: string; keyVaultNetworkAccess?: string };
  defenderEnabled?: boolean;
  /** Add-on profiles by lower-cased name (`azurepolicy`, `azure-policy`...): enabled or not. */
  addons: Record<string, boolean>;
  agentPools: AzureAgentPool[];
}

function agentPools(props: Record<string, unknown>): AzureAgentPool[] {
  const list = azureProp(props, 'agentPoolProfiles');
  if (!Array.isArray(list)) return [];
  return list.filter(isRecord).map((p) => {
    const pool: AzureAgentPool = { name: str(azureProp(p, 'name')) ?? '(unnamed)' };
    const mode = str(azureProp(p, 'mode'));
    const osType = str(azureProp(p, 'osType'));
    const osSku = str(azureProp(p, 'osSku'));
    const v = str(azureProp(p, 'currentOrchestratorVersion')) ?? str(azureProp(p, 'orchestratorVersion'));
    const count = azureProp(p, 'count');
    if (mode) pool.mode = mode;
    if (osType) pool.osType = osType;
    if (osSku) pool.osSku = osSku;
    if (v) pool.orchestratorVersion = v;
    if (typeof count === 'number') pool.count = count;
    return pool;
  });
}

/** Reads an AKS managed cluster document (ARM resource or `az aks show -o json`), or says why it cannot. */
export function managedClusterFacts(
  doc: unknown,
): { ok: true; facts: ManagedClusterFacts } | { ok: false; reason: string } {
  const file = AZURE_FILES.managedCluster;
  if (!isRecord(doc)) return { ok: false, reason: `${file} must hold one JSON object (the managed cluster)` };
  const err = armError(doc);
  if (err) return { ok: false, reason: `${file} holds an ARM error instead of the cluster: ${err}` };
  const { shape, props } = settingsOf(doc);
  const type = str(azureProp(doc, 'type'));
  if (
    (type && type.toLowerCase() !== 'microsoft.containerservice/managedclusters') ||
    (!type && azureProp(props, 'agentPoolProfiles') === undefined)
  ) {
    return {
      ok: false,
      reason: `${file} is not an AKS managed cluster (expected the ARM resource of type Microsoft.ContainerService/managedClusters or \`az aks show -o json\` output${type ? `, got type ${type}` : ''})`,
    };
  }
  const facts: ManagedClusterFacts = {
    shape,
    apiServer: { authorizedIpRanges: [] },
    autoUpgrade: {},
    addons: {},
    agentPools: agentPools(props),
  };
  const id = str(azureProp(doc, 'id'));
  const name = str(azureProp(doc, 'name'));
  const location = str(azureProp(doc, 'location'));
  const version =
    str(azureProp(props, 'currentKubernetesVersion')) ?? str(azureProp(props, 'kubernetesVersion'));
  if (id) facts.id = id;
  if (name) facts.name = name;
  if (location) facts.location = location;
  if (version) facts.kubernetesVersion = version;
  const dla = bool(azureProp(props, 'disableLocalAccounts'));
  if (dla !== undefined) facts.disableLocalAccounts = dla;
  const rbac = bool(azureProp(props, 'enableRbac'));
  if (rbac !== undefined) facts.enableRbac = rbac;
  const aad = azureProp(props, 'aadProfile');
  if (isRecord(aad)) {
    const ids = azureProp(aad, 'adminGroupObjectIds');
    facts.aad = { adminGroupObjectIds: Array.isArray(ids) ? ids.filter((x) => typeof x === 'string') : [] };
    const managed = bool(azureProp(aad, 'managed'));
    const azRbac = bool(azureProp(aad, 'enableAzureRbac'));
    if (managed !== undefined) facts.aad.managed = managed;
    if (azRbac !== undefined) facts.aad.enableAzureRbac = azRbac;
  }
  const api = azureProp(props, 'apiServerAccessProfile');
  const ranges = azureProp(api, 'authorizedIpRanges');
  if (Array.isArray(ranges)) facts.apiServer.authorizedIpRanges = ranges.filter((r) => typeof r === 'string');
  const priv = bool(azureProp(api, 'enablePrivateCluster'));
  const runCmd = bool(azureProp(api, 'disableRunCommand'));
  if (priv !== undefined) facts.apiServer.enablePrivateCluster = priv;
  if (runCmd !== undefined) facts.apiServer.disableRunCommand = runCmd;
  const channel = str(azureProp(props, 'autoUpgradeProfile', 'upgradeChannel'));
  const osChannel = str(azureProp(props, 'autoUpgradeProfile', 'nodeOsUpgradeChannel'));
  if (channel) facts.autoUpgrade.upgradeChannel = channel;
  if (osChannel) facts.autoUpgrade.nodeOsUpgradeChannel = osChannel;
  const kms = azureProp(props, 'securityProfile', 'azureKeyVaultKms');
  if (isRecord(kms)) {
    facts.keyVaultKms = {};
    const enabled = bool(azureProp(kms, 'enabled'));
    const keyId = str(azureProp(kms, 'keyId'));
    const access = str(azureProp(kms, 'keyVaultNetworkAccess'));
    if (enabled !== undefined) facts.keyVaultKms.enabled = enabled;
    if (keyId) facts.keyVaultKms.keyId = keyId;
    if (access) facts.keyVaultKms.keyVaultNetworkAccess = access;
  }
  const defender = bool(azureProp(props, 'securityProfile', 'defender', 'securityMonitoring', 'enabled'));
  if (defender !== undefined) facts.defenderEnabled = defender;
  const addons = azureProp(props, 'addonProfiles');
  if (isRecord(addons)) {
    for (const [k, v] of Object.entries(addons))
      facts.addons[k.toLowerCase()] = bool(azureProp(v, 'enabled')) ?? false;
  }
  return { ok: true, facts };
}

/** One cluster extension (`az k8s-extension list -o json` item, or an ARM extensions list item). */
export interface ClusterExtension {
  name: string;
  /** Lower-cased: `microsoft.azuredefender.kubernetes`, `microsoft.policyinsights`. */
  extensionType: string;
  provisioningState?: string;
  version?: string;
}

/** Reads the extensions document: a JSON array (az) or an ARM list (`{ "value": [...] }`). */
export function clusterExtensions(
  doc: unknown,
): { ok: true; extensions: ClusterExtension[] } | { ok: false; reason: string } {
  const file = AZURE_FILES.extensions;
  const err = armError(doc);
  if (err) return { ok: false, reason: `${file} holds an ARM error instead of the extensions: ${err}` };
  const list = Array.isArray(doc) ? doc : azureProp(doc, 'value');
  if (!Array.isArray(list))
    return { ok: false, reason: `${file} must be the JSON array \`az k8s-extension list -o json\` prints` };
  const extensions: ClusterExtension[] = [];
  for (const [i, item] of list.entries()) {
    if (!isRecord(item)) return { ok: false, reason: `${file}: item ${i} is not an object` };
    const { props } = settingsOf(item);
    const type = str(azureProp(props, 'extensionType'));
    if (!type) return { ok: false, reason: `${file}: item ${i} has no extensionType` };
    const ext: ClusterExtension = {
      name: str(azureProp(item, 'name')) ?? type,
      extensionType: type.toLowerCase(),
    };
    const state = str(azureProp(props, 'provisioningState'));
    const version = str(azureProp(props, 'currentVersion')) ?? str(azureProp(props, 'version'));
    if (state) ext.provisioningState = state;
    if (version) ext.version = version;
    extensions.push(ext);
  }
  return { ok: true, extensions };
}

/** What the checks read from an AKS Arc provisioned cluster (`az aksarc show -o json`). */
export interface ProvisionedClusterFacts {
  shape: 'arm' | 'az';
  kubernetesVersion?: string;
  agentPools: AzureAgentPool[];
}

/** Reads `azure/provisioned-cluster.json`, or says why it cannot. */
export function provisionedClusterFacts(
  doc: unknown,
): { ok: true; facts: ProvisionedClusterFacts } | { ok: false; reason: string } {
  const file = AZURE_FILES.provisionedCluster;
  if (!isRecord(doc))
    return { ok: false, reason: `${file} must hold one JSON object (the provisioned cluster)` };
  const err = armError(doc);
  if (err) return { ok: false, reason: `${file} holds an ARM error instead of the cluster: ${err}` };
  const { shape, props } = settingsOf(doc);
  const facts: ProvisionedClusterFacts = { shape, agentPools: agentPools(props) };
  const v = str(azureProp(props, 'kubernetesVersion'));
  if (v) facts.kubernetesVersion = v;
  return { ok: true, facts };
}

/** The raw document, or why it is missing (not collected, or the collector's error). */
export function azureDocument(
  azure: AzureEvidence | undefined,
  name: AzureDocumentName,
): { ok: true; value: unknown } | { ok: false; reason: string } {
  const doc = azure?.[name];
  if (!doc)
    return {
      ok: false,
      reason: `${AZURE_FILES[name]} was not collected (bundle: add it from \`${name === 'managedCluster' ? 'az aks show -g <rg> -n <cluster> -o json' : name === 'provisionedCluster' ? 'az aksarc show -g <rg> -n <cluster> -o json' : 'az k8s-extension list -g <rg> -c <cluster> -t connectedClusters -o json'}\`; live: set azure.resourceId in the agent config and grant the agent's identity ${AZURE_READER_ROLE} on the cluster resource)`,
    };
  if (doc.status === 'error') return { ok: false, reason: doc.error.message };
  return { ok: true, value: doc.value };
}
