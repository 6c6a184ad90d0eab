import { ApiProperty } from '@nestjs/swagger';
import { PLATFORMS } from '@watchpost/shared';
import { AREA_ENUM, NULLABLE_STRING, OUTCOME_ENUM, ResourceRefDto, SEVERITY_ENUM } from './common.dto.js';

/** The exemption covering a finding (docs/exemptions.md). */
export class FindingExemptionDto {
  @ApiProperty({
    enum: ['hub', 'annotation', 'config'],
    description:
      'hub: an exemption of the REST API; annotation/config: applied by the agent (the hub cannot revoke it)',
  })
  source!: string;
  @ApiProperty({ required: false, description: 'the hub exemption (source hub)' }) id?: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ required: false, description: 'token name of the author (source hub)' }) author?: string;
  @ApiProperty({ required: false, description: 'where the agent found it (annotation/config)' }) ref?: string;
  @ApiProperty({
    ...NULLABLE_STRING,
    description: 'when it stops applying; null: an agent one without expiry',
  })
  expiresAt!: string | null;
}

/** A severity override in force on a finding. */
export class FindingSeverityOverrideDto {
  @ApiProperty() id!: string;
  @ApiProperty({ enum: SEVERITY_ENUM, description: 'the severity the agent reported' }) from!: string;
  @ApiProperty(NULLABLE_STRING) expiresAt!: string | null;
}

export class FindingDto {
  @ApiProperty() id!: number;
  @ApiProperty() cluster!: string;
  @ApiProperty({ enum: [...PLATFORMS], nullable: true }) platform!: string | null;
  @ApiProperty() agentId!: string;
  @ApiProperty() checkId!: string;
  @ApiProperty(NULLABLE_STRING) title!: string | null;
  @ApiProperty({ enum: AREA_ENUM }) area!: string;
  @ApiProperty({ enum: SEVERITY_ENUM, description: 'effective: a severity override applies here' })
  severity!: string;
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
  @ApiProperty({
    type: FindingExemptionDto,
    required: false,
    description: 'present when exempted: listed, but counts toward no score, open count, metric or ranking',
  })
  exemption?: FindingExemptionDto;
  @ApiProperty({ type: FindingSeverityOverrideDto, required: false, description: 'present when overridden' })
  severityOverride?: FindingSeverityOverrideDto;
}

export class FindingPageDto {
  @ApiProperty({ type: [FindingDto] }) items!: FindingDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}
