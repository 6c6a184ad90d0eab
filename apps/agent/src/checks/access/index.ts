import type { Check } from '../check.js';
import { rbacAnonymousBinding } from './rbac-anonymous-binding.check.js';
import { rbacClusterAdminBinding } from './rbac-cluster-admin-binding.check.js';
import { rbacUserSubjects } from './rbac-user-subjects.check.js';
import { rbacWildcardRules } from './rbac-wildcard-rules.check.js';
import { aksLocalAccountsDisabled } from './aks-local-accounts-disabled.check.js';
import { aksEntraIdIntegration } from './aks-entra-id-integration.check.js';

/** Implementations of the `access` area, in catalogue order. */
export const ACCESS_IMPLEMENTATIONS: Check[] = [
  rbacAnonymousBinding,
  rbacClusterAdminBinding,
  rbacWildcardRules,
  rbacUserSubjects,
  aksLocalAccountsDisabled,
  aksEntraIdIntegration,
];
