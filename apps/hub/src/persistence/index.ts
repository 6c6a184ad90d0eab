export { AgentEntity, type AgentLiveness } from './agent.entity.js';
export { ClusterEntity } from './cluster.entity.js';
export { EnrollmentCredentialEntity } from './enrollment-credential.entity.js';
export { EnrollmentTokenEntity } from './enrollment-token.entity.js';
export { FindingEntity } from './finding.entity.js';
export { IssuedCertificateEntity } from './issued-certificate.entity.js';
export { QuarantineEntity } from './quarantine.entity.js';
export { ReportEntity } from './report.entity.js';
export * from './data-source.js';
