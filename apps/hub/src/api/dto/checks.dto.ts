import { ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { CLUSTER_ROLES, PLATFORMS } from '@watchpost/shared';
import { AREA_ENUM, NULLABLE_NUMBER, OutcomeCountsDto, SEVERITY_ENUM } from './common.dto.js';

export class CheckReferenceDto {
  @ApiProperty() title!: string;
  @ApiProperty({ required: false }) url?: string;
  @ApiProperty({ required: false }) cis?: string;
}

export class AppliesToDto {
  @ApiProperty({ required: false, enum: [...PLATFORMS], isArray: true }) platforms?: string[];
  @ApiProperty({ required: false, enum: [...CLUSTER_ROLES], isArray: true }) roles?: string[];
}

export class PassRateDto extends OutcomeCountsDto {
  @ApiProperty({ ...NULLABLE_NUMBER, description: 'pass share of evaluated results, 0-100' }) passRate!:
    number | null;
}

export class CheckFleetDto extends PassRateDto {
  @ApiProperty({ type: 'object', additionalProperties: { $ref: getSchemaPath(PassRateDto) } })
  byPlatform!: Record<string, PassRateDto>;
}

export class CheckDto {
  @ApiProperty() id!: string;
  @ApiProperty() title!: string;
  @ApiProperty({ enum: AREA_ENUM }) area!: string;
  @ApiProperty({ enum: SEVERITY_ENUM }) defaultSeverity!: string;
  @ApiProperty({ type: AppliesToDto, required: false }) appliesTo?: AppliesToDto;
  @ApiProperty() description!: string;
  @ApiProperty() remediation!: string;
  @ApiProperty({ type: [CheckReferenceDto] }) references!: CheckReferenceDto[];
  @ApiProperty({ required: false }) deprecated?: boolean;
  @ApiProperty({ type: CheckFleetDto }) fleet!: CheckFleetDto;
}

export class CheckListDto {
  @ApiProperty({ type: [CheckDto] }) items!: CheckDto[];
}

export class CheckClusterDto {
  @ApiProperty() cluster!: string;
  @ApiProperty({ required: false }) fail?: number;
  @ApiProperty({ required: false }) warn?: number;
  @ApiProperty({ required: false }) error?: number;
}

export class CheckDetailDto extends CheckDto {
  @ApiProperty({ type: [CheckClusterDto], description: 'clusters where it currently fails, warns or errs' })
  clusters!: CheckClusterDto[];
}
