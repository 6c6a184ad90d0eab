import { ApiProperty } from '@nestjs/swagger';
import { API_ROLES } from '../../auth/roles.js';
import { NULLABLE_NUMBER, NULLABLE_STRING } from './common.dto.js';

export class QuarantineEntryDto {
  @ApiProperty() id!: number;
  @ApiProperty() topic!: string;
  @ApiProperty(NULLABLE_STRING) agentId!: string | null;
  @ApiProperty(NULLABLE_STRING) envelopeAgentId!: string | null;
  @ApiProperty(NULLABLE_NUMBER) seq!: number | null;
  @ApiProperty() reason!: string;
  @ApiProperty() detail!: string;
  @ApiProperty() receivedAt!: string;
  @ApiProperty() payloadBytes!: number;
  @ApiProperty({ description: 'first 256 bytes, base64' }) payloadExcerpt!: string;
}

export class QuarantinePageDto {
  @ApiProperty({ type: [QuarantineEntryDto] }) items!: QuarantineEntryDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class ApiTokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...API_ROLES] }) role!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty(NULLABLE_STRING) expiresAt!: string | null;
  @ApiProperty(NULLABLE_STRING) revokedAt!: string | null;
  @ApiProperty(NULLABLE_STRING) lastUsedAt!: string | null;
}

export class ApiTokenListDto {
  @ApiProperty({ type: [ApiTokenDto] }) items!: ApiTokenDto[];
}

export class CreateApiTokenDto {
  @ApiProperty({ enum: [...API_ROLES] }) role!: string;
  @ApiProperty({ required: false, maxLength: 128 }) name?: string;
  @ApiProperty({ required: false, minimum: 1, maximum: 3650 }) ttlDays?: number;
}

export class CreatedApiTokenDto {
  @ApiProperty() id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...API_ROLES] }) role!: string;
  @ApiProperty({ description: 'the opaque bearer token (wpt_...): shown only in this answer' })
  token!: string;
  @ApiProperty(NULLABLE_STRING) expiresAt!: string | null;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok'] }) status!: string;
}

export class ReadinessChecksDto {
  @ApiProperty({ description: '"ok" or what is wrong' }) database!: string;
  @ApiProperty({ description: '"connected" or what is wrong' }) ingest!: string;
}

export class ReadinessDto {
  @ApiProperty({ enum: ['ready', 'not_ready'] }) status!: string;
  @ApiProperty({ type: ReadinessChecksDto }) checks!: ReadinessChecksDto;
}
