import { ApiProperty } from '@nestjs/swagger';
import { PLATFORMS } from '@watchpost/shared';
import { NULLABLE_STRING, SEVERITY_ENUM } from '../api/dto/common.dto.js';
import { OVERRIDE_SCOPE_KINDS } from './severity-override-rules.js';

/** Where a severity override applies: the whole fleet, one platform or one cluster. */
export class SeverityOverrideScopeDto {
  @ApiProperty({ enum: [...OVERRIDE_SCOPE_KINDS] }) kind!: string;
  @ApiProperty({ required: false, enum: [...PLATFORMS] }) platform?: string;
  @ApiProperty({ required: false }) cluster?: string;
}

export class SeverityOverrideDto {
  @ApiProperty() id!: string;
  @ApiProperty({ description: 'a catalogue check id' }) checkId!: string;
  @ApiProperty({ type: SeverityOverrideScopeDto }) scope!: SeverityOverrideScopeDto;
  @ApiProperty({ enum: SEVERITY_ENUM, description: 'the severity the hub uses for this check in this scope' })
  severity!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ description: 'name of the API token that created it' }) author!: string;
  @ApiProperty() createdAt!: string;
  @ApiProperty() updatedAt!: string;
  @ApiProperty({ ...NULLABLE_STRING, description: 'null: holds until revoked' }) expiresAt!: string | null;
  @ApiProperty(NULLABLE_STRING) revokedAt!: string | null;
  @ApiProperty(NULLABLE_STRING) revokedBy!: string | null;
  @ApiProperty({ enum: ['active', 'expired', 'revoked'] }) status!: string;
}

export class SeverityOverrideListDto {
  @ApiProperty({ type: [SeverityOverrideDto] }) items!: SeverityOverrideDto[];
}

export class CreateSeverityOverrideDto {
  @ApiProperty() checkId!: string;
  @ApiProperty({ type: SeverityOverrideScopeDto }) scope!: SeverityOverrideScopeDto;
  @ApiProperty({ enum: SEVERITY_ENUM }) severity!: string;
  @ApiProperty({ minLength: 10, maxLength: 2000 }) reason!: string;
  @ApiProperty({ required: false, description: 'ISO-8601, in the future, at most 365 days ahead' })
  expiresAt?: string;
}

export class UpdateSeverityOverrideDto {
  @ApiProperty({ required: false, enum: SEVERITY_ENUM }) severity?: string;
  @ApiProperty({ required: false, minLength: 10, maxLength: 2000 }) reason?: string;
  @ApiProperty({ required: false, nullable: true, type: String, description: 'null removes the expiry' })
  expiresAt?: string | null;
}
