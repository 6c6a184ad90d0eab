import { ApiProperty } from '@nestjs/swagger';
import { PLATFORMS } from '@watchpost/shared';
import { AREA_ENUM, NULLABLE_STRING, OUTCOME_ENUM, ResourceRefDto, SEVERITY_ENUM } from './common.dto.js';

export class FindingDto {
  @ApiProperty() id!: number;
  @ApiProperty() cluster!: string;
  @ApiProperty({ enum: [...PLATFORMS], nullable: true }) platform!: string | null;
  @ApiProperty() agentId!: string;
  @ApiProperty() checkId!: string;
  @ApiProperty(NULLABLE_STRING) title!: string | null;
  @ApiProperty({ enum: AREA_ENUM }) area!: string;
  @ApiProperty({ enum: SEVERITY_ENUM }) severity!: string;
  @ApiProperty({ enum: OUTCOME_ENUM }) outcome!: string;
  @ApiProperty({ type: ResourceRefDto }) resource!: ResourceRefDto;
  @ApiProperty() resourceKey!: string;
  @ApiProperty() message!: string;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'free-form, for people',
  })
  evidence!: Record<string, unknown> | null;
  @ApiProperty({
    type: 'object',
    nullable: true,
    additionalProperties: true,
    description: 'typed facts `{ type, version, ... }` (docs/contracts-changes.md)',
  })
  facts!: Record<string, unknown> | null;
  @ApiProperty() firstSeenAt!: string;
  @ApiProperty() lastSeenAt!: string;
  @ApiProperty() outcomeSince!: string;
  @ApiProperty(NULLABLE_STRING) resolvedAt!: string | null;
}

export class FindingPageDto {
  @ApiProperty({ type: [FindingDto] }) items!: FindingDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}
