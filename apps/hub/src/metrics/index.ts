export { MetricsModule } from './metrics.module.js';
export { MetricsService, type IngestStatus } from './metrics.service.js';
