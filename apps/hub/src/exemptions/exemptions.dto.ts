import { ApiProperty } from '@nestjs/swagger';
import { AREAS, PLATFORMS } from '@watchpost/shared';
import { NULLABLE_STRING, ResourceRefDto } from '../api/dto/common.dto.js';
import { SCOPE_KINDS } from './exemption-rules.js';

/** Where an exemption applies; the fields present depend on `kind` (see docs/hub-api.md). */
export class ExemptionScopeDto {
  @ApiProperty({ enum: [...SCOPE_KINDS] }) kind!: string;
  @ApiProperty({ required: false, enum: [...PLATFORMS] }) platform?: string;
  @ApiProperty({ required: false }) cluster?: string;
  @ApiProperty({ required: false }) namespace?: string;
  @ApiProperty({ required: false, type: ResourceRefDto }) resource?: ResourceRefDto;
}

/** One check id, or every check of an area. */
export class ExemptionTargetDto {
  @ApiProperty({ required: false, description: 'a catalogue check id' }) checkId?: string;
  @ApiProperty({ required: false, enum: [...AREAS] }) area?: string;
}

export class ExemptionDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: ExemptionScopeDto }) scope!: ExemptionScopeDto;
  @ApiProperty({ type: ExemptionTargetDto }) target!: ExemptionTargetDto;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'name of the API token that created it' }) author!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty() expiresAt!: string;
  @ApiProperty(NULLABLE_STRING) revokedAt!: string | null;
  @ApiProperty(NULLABLE_STRING) revokedBy!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status!: string;
}

export class ExemptionListDto {
  @ApiProperty({ type: [ExemptionDto] }) items!: ExemptionDto[];
}

export class ExemptionEventDto {
  @ApiProperty({ description: 'increases with every change' }) id!: number;
  @ApiProperty({ description: 'the exemption, or the severity override when subject is override' })
  exemptionId!: string;
  @ApiProperty({ enum: ['exemption', 'override'] }) subject!: string;
  @ApiProperty({ enum: ['created', 'updated', 'revoked'] }) action!: string;
  @ApiProperty() actor!: string;
  @ApiProperty() at!: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'created: the exemption; updated: changed fields with before/after; revoked: the reason given',
  })
  detail!: Record<string, unknown>;
}

export class ExemptionEventListDto {
  @ApiProperty({ type: [ExemptionEventDto] }) items!: ExemptionEventDto[];
}

export class CreateExemptionDto {
  @ApiProperty({ type: ExemptionScopeDto }) scope!: ExemptionScopeDto;
  @ApiProperty({ type: ExemptionTargetDto }) target!: ExemptionTargetDto;
  @ApiProperty({ minLength: 10, maxLength: 2000 }) reason!: string;
  @ApiProperty({ description: 'ISO-8601, in the future, at most 365 days ahead' }) expiresAt!: string;
}

export class UpdateExemptionDto {
  @ApiProperty({ required: false, minLength: 10, maxLength: 2000 }) reason?: string;
  @ApiProperty({ required: false }) expiresAt?: string;
}

export class RevokeExemptionDto {
  @ApiProperty({ required: false, maxLength: 2000 }) reason?: string;
}
