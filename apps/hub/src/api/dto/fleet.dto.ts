import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { CERTIFICATE_SOURCE_KINDS, PLATFORMS } from '@watchpost/shared';
import {
  NULLABLE_NUMBER,
  NULLABLE_STRING,
  OUTCOME_ENUM,
  OutcomeCountsDto,
  ResourceRefDto,
  SEVERITY_ENUM,
  SeverityCountsDto,
} from './common.dto.js';

export class FleetClusterCountsDto {
  @ApiProperty() total!: number;
  @ApiProperty() online!: number;
  @ApiProperty() offline!: number;
  @ApiProperty() unknown!: number;
  @ApiProperty() stale!: number;
}

export class GroupAreaDto extends OutcomeCountsDto {
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'pooled: pass share of the summed counts' }) score!:
    number | null;
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'per-cluster: mean of the cluster scores' })
  averageClusterScore!: number | null;
}

export class GroupSummaryDto {
  @ApiProperty() clusters!: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'number' } }) platforms!: Record<
    string,
    number
  >;
  @ApiProperty(NULLABLE_NUMBER) score!: number | null;
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(GroupAreaDto) } })
  byArea!: Record<string, GroupAreaDto>;
  @ApiProperty({ type: SeverityCountsDto }) openBySeverity!: SeverityCountsDto;
}

export class FleetGroupsDto {
  @ApiProperty({ type: GroupSummaryDto }) onPrem!: GroupSummaryDto;
  @ApiProperty({ type: GroupSummaryDto }) azure!: GroupSummaryDto;
  @ApiProperty({ type: GroupSummaryDto }) other!: GroupSummaryDto;
}

export class CertificateSourceDto {
  @ApiProperty({ enum: [...CERTIFICATE_SOURCE_KINDS] }) kind!: string;
  @ApiProperty({
    description: 'file path, kubeconfig:<path>#<user>, secret:<ns>/<name>, webhook:..., endpoint:...',
  })
  locator!: string;
}

export class ExpiringCertificateDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ enum: [...PLATFORMS], nullable: true }) platform!: string | null;
  @ApiProperty(NULLABLE_STRING) node!: string | null;
  @ApiProperty() checkId!: string;
  @ApiProperty({ enum: OUTCOME_ENUM }) outcome!: string;
  @ApiProperty({ enum: SEVERITY_ENUM }) severity!: string;
  @ApiProperty({ type: ResourceRefDto }) resource!: ResourceRefDto;
  @ApiProperty({ type: CertificateSourceDto }) source!: CertificateSourceDto;
  @ApiProperty() subject!: string;
  @ApiProperty() issuer!: string;
  @ApiProperty() serial!: string;
  @ApiProperty() notBefore!: string;
  @ApiProperty() notAfter!: string;
  @ApiProperty({ description: 'days left (negative once expired), by the hub clock' }) expiresInDays!: number;
  @ApiProperty() lifetimeDays!: number;
  @ApiProperty() lifetimeLeftPercent!: number;
  @ApiProperty() renewedAutomatically!: boolean;
  @ApiProperty(NULLABLE_STRING) renewedBy!: string | null;
  @ApiProperty() renewalDueAt!: string;
  @ApiProperty() message!: string;
  @ApiProperty(NULLABLE_STRING) remediation!: string | null;
}

export class StaleClusterDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...PLATFORMS] }) platform!: string;
  @ApiProperty(NULLABLE_STRING) lastReceivedAt!: string | null;
  @ApiProperty(NULLABLE_NUMBER) reportAgeSeconds!: number | null;
}

export class KmsKeyDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ enum: [...PLATFORMS], nullable: true }) platform!: string | null;
  @ApiProperty({ enum: OUTCOME_ENUM }) outcome!: string;
  @ApiProperty({ type: ResourceRefDto }) resource!: ResourceRefDto;
  @ApiProperty() provider!: string;
  @ApiProperty({ enum: ['v1', 'v2'] }) apiVersion!: string;
  @ApiProperty(NULLABLE_STRING) keyId!: string | null;
  @ApiProperty(NULLABLE_STRING) firstSeen!: string | null;
  @ApiProperty(NULLABLE_STRING) rotatedAt!: string | null;
  @ApiProperty(NULLABLE_NUMBER) ageDays!: number | null;
  @ApiProperty() ageExact!: boolean;
  @ApiProperty() maxAgeDays!: number;
  @ApiProperty() message!: string;
}

export class KmsKeysDto {
  @ApiProperty() clusters!: number;
  @ApiProperty() withKnownAge!: number;
  @ApiProperty() withExactAge!: number;
  @ApiProperty(NULLABLE_NUMBER) medianAgeDays!: number | null;
  @ApiProperty({ type: [KmsKeyDto] }) oldest!: KmsKeyDto[];
}

export class ImdsExposureDto {
  @ApiProperty() clustersReporting!: number;
  @ApiProperty() clustersExposed!: number;
  @ApiProperty() namespacesExposed!: number;
  @ApiProperty() podsReaching!: number;
}

export class FleetSummaryDto {
  @ApiProperty() generatedAt!: string;
  @ApiProperty() staleAfterSeconds!: number;
  @ApiProperty({ type: FleetClusterCountsDto }) clusters!: FleetClusterCountsDto;
  @ApiProperty({ type: FleetGroupsDto }) groups!: FleetGroupsDto;
  @ApiProperty({ type: [ExpiringCertificateDto], description: 'what needs action first (docs/hub-api.md)' })
  expiringCertificates!: ExpiringCertificateDto[];
  @ApiProperty({ type: [StaleClusterDto] }) staleClusters!: StaleClusterDto[];
  @ApiProperty({ type: KmsKeysDto }) kmsKeys!: KmsKeysDto;
  @ApiProperty({ type: ImdsExposureDto }) imdsExposure!: ImdsExposureDto;
}
