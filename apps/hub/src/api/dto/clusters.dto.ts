import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { CLUSTER_ROLES, PLATFORMS } from '@watchpost/shared';
import { AgentDto } from './agents.dto.js';
import {
  AREA_NUMBER_MAP,
  NULLABLE_NUMBER,
  NULLABLE_STRING,
  OutcomeCountsDto,
  SEVERITY_ENUM,
  SeverityCountsDto,
} from './common.dto.js';

export class ClusterLastReportDto {
  @ApiProperty(NULLABLE_STRING) agentId!: string | null;
  @ApiProperty(NULLABLE_NUMBER) seq!: number | null;
  @ApiProperty({ ...NULLABLE_STRING, description: "agent's clock" }) scannedAt!: string | null;
  @ApiProperty({ ...NULLABLE_STRING, description: "hub's clock" }) receivedAt!: string | null;
  @ApiProperty(NULLABLE_NUMBER) clockSkewMs!: number | null;
}

export class LivenessAgentsDto {
  @ApiProperty() online!: number;
  @ApiProperty() offline!: number;
  @ApiProperty() unknown!: number;
  @ApiProperty() revoked!: number;
}

export class ClusterLivenessDto {
  @ApiProperty({ enum: ['online', 'offline', 'unknown'] }) state!: string;
  @ApiProperty({ type: LivenessAgentsDto }) agents!: LivenessAgentsDto;
  @ApiProperty(NULLABLE_STRING) lastReceivedAt!: string | null;
  @ApiProperty(NULLABLE_NUMBER) reportAgeSeconds!: number | null;
  @ApiProperty() stale!: boolean;
}

export class ClusterDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...PLATFORMS] }) platform!: string;
  @ApiProperty({ enum: ['onPrem', 'azure', 'other'] }) platformGroup!: string;
  @ApiProperty({ enum: [...CLUSTER_ROLES] }) role!: string;
  @ApiProperty(NULLABLE_STRING) location!: string | null;
  @ApiProperty(NULLABLE_STRING) kubernetesVersion!: string | null;
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'overall score 0-100 of the newest report' }) score!:
    number | null;
  @ApiProperty(AREA_NUMBER_MAP) scores!: Record<string, number>;
  @ApiProperty({ type: ClusterLastReportDto }) lastReport!: ClusterLastReportDto;
  @ApiProperty({ type: ClusterLivenessDto }) liveness!: ClusterLivenessDto;
  @ApiProperty({ type: SeverityCountsDto }) openBySeverity!: SeverityCountsDto;
  @ApiProperty({
    type: 'object',
    description: 'worst open severity per area (areas without open problems absent)',
    additionalProperties: { type: 'string', enum: SEVERITY_ENUM },
  })
  worstOpenSeverity!: Record<string, string>;
}

export class ClusterPageDto {
  @ApiProperty({ type: [ClusterDto] }) items!: ClusterDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class AreaPostureDto extends OutcomeCountsDto {
  @ApiProperty(NULLABLE_NUMBER) score!: number | null;
}

export class ReportSummaryDto extends OutcomeCountsDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(OutcomeCountsDto) } })
  byArea!: Record<string, OutcomeCountsDto>;
}

export class CollectorErrorDto {
  @ApiProperty() source!: string;
  @ApiProperty() message!: string;
}

export class NewestReportDto {
  @ApiProperty() agentId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() runId!: string;
  @ApiProperty() scannedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() clockSkewMs!: number;
  @ApiProperty() agentVersion!: string;
  @ApiProperty() resultCount!: number;
  @ApiProperty({ type: ReportSummaryDto }) summary!: ReportSummaryDto;
  @ApiProperty({ type: [CollectorErrorDto] }) collectorErrors!: CollectorErrorDto[];
  @ApiProperty() dropped!: number;
}

export class ClusterDetailDto extends ClusterDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(AreaPostureDto) } })
  posture!: Record<string, AreaPostureDto>;
  @ApiProperty({ type: [AgentDto] }) agents!: AgentDto[];
  @ApiProperty({ type: NewestReportDto, nullable: true }) newestReport!: NewestReportDto | null;
}

export class HistoryPointDto {
  @ApiProperty() agentId!: string;
  @ApiProperty() seq!: number;
  @ApiProperty() scannedAt!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() clockSkewMs!: number;
  @ApiProperty(NULLABLE_STRING) kubernetesVersion!: string | null;
  @ApiProperty(NULLABLE_NUMBER) score!: number | null;
  @ApiProperty({ ...AREA_NUMBER_MAP, nullable: true }) scores!: Record<string, number> | null;
  @ApiProperty({ type: ReportSummaryDto }) summary!: ReportSummaryDto;
  @ApiProperty() resultCount!: number;
  @ApiProperty() collectorErrorCount!: number;
  @ApiProperty() dropped!: number;
  @ApiProperty() appliedToPosture!: boolean;
}

export class ClusterHistoryDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ type: [HistoryPointDto] }) points!: HistoryPointDto[];
}
