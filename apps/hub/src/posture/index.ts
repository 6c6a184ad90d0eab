export { PostureModule } from './posture.module.js';
export {
  PostureWriter,
  applyReportToPosture,
  resourceKey,
  PROBLEM_OUTCOMES,
  type PostureDelta,
} from './posture-writer.js';
export { FindingsQueryService } from './findings-query.service.js';
export { ClustersQueryService, clusterView } from './clusters-query.service.js';
export { AgentsQueryService, agentView } from './agents-query.service.js';
export { ChecksQueryService } from './checks-query.service.js';
export { PostureMetricsService, type ClusterPostureMetrics } from './posture-metrics.service.js';
export {
  FleetSummaryService,
  CERT_EXPIRY_CHECK_IDS,
  KMS_KEY_ROTATION_CHECK_ID,
} from './fleet-summary.service.js';
export { scoreOf, areaScores, averageScore } from './scoring.js';
export { clusterLiveness, DEFAULT_STALE_AFTER_MS, type ClusterLiveness } from './liveness.js';
export { platformGroup, PLATFORM_GROUPS, type PlatformGroup } from './platform-group.js';
export type * from './posture.types.js';
