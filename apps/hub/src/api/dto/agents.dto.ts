import { ApiProperty } from '@nestjs/swagger';
import { NULLABLE_NUMBER, NULLABLE_STRING } from './common.dto.js';

export class AgentCertificateDto {
  @ApiProperty(NULLABLE_STRING) serial!: string | null;
  @ApiProperty(NULLABLE_STRING) notAfter!: string | null;
  @ApiProperty(NULLABLE_NUMBER) expiresInDays!: number | null;
  @ApiProperty({ type: Boolean, nullable: true }) expired!: boolean | null;
}

export class AgentDto {
  @ApiProperty() id!: string;
  @ApiProperty() cluster!: string;
  @ApiProperty(NULLABLE_STRING) nodeName!: string | null;
  @ApiProperty({ enum: ['online', 'offline', 'unknown'] }) status!: string;
  @ApiProperty(NULLABLE_STRING) statusAt!: string | null;
  @ApiProperty(NULLABLE_STRING) agentVersion!: string | null;
  @ApiProperty(NULLABLE_NUMBER) lastSeq!: number | null;
  @ApiProperty(NULLABLE_STRING) lastScannedAt!: string | null;
  @ApiProperty(NULLABLE_STRING) lastReceivedAt!: string | null;
  @ApiProperty(NULLABLE_NUMBER) clockSkewMs!: number | null;
  @ApiProperty() droppedTotal!: number;
  @ApiProperty({ type: AgentCertificateDto }) certificate!: AgentCertificateDto;
  @ApiProperty() revoked!: boolean;
  @ApiProperty(NULLABLE_STRING) revokedAt!: string | null;
  @ApiProperty({ ...NULLABLE_STRING, description: 'agent id that replaced this one (re-enrollment)' })
  supersededBy!: string | null;
  @ApiProperty(NULLABLE_STRING) supersededAt!: string | null;
  @ApiProperty() enrolledAt!: string;
}

export class AgentPageDto {
  @ApiProperty({ type: [AgentDto] }) items!: AgentDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class IssuedCertificateDto {
  @ApiProperty() serial!: string;
  @ApiProperty() fingerprint!: string;
  @ApiProperty() notBefore!: string;
  @ApiProperty() notAfter!: string;
  @ApiProperty() issuedAt!: string;
  @ApiProperty() reason!: string;
  @ApiProperty(NULLABLE_STRING) revokedAt!: string | null;
}

export class AgentDetailDto extends AgentDto {
  @ApiProperty({ type: [IssuedCertificateDto] }) issuedCertificates!: IssuedCertificateDto[];
}
