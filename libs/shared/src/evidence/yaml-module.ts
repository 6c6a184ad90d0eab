import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

const requireCjs = createRequire(import.meta.url);
let yamlModule: typeof Yaml | undefined;

/**
 * The `yaml` package (CommonJS), loaded on first use: only host files (kubeconfigs, static pod manifests,
 * kubelet and encryption configs) are YAML, and a scan of a bundle of Kubernetes lists never reads one, so it
 * should not pay for loading the parser at start-up (~75 ms and ~9 MB of resident memory).
 */
export function yaml(): typeof Yaml {
  return (yamlModule ??= requireCjs('yaml') as typeof Yaml);
}
