import { ApiProperty } from '@nestjs/swagger';
import { CLUSTER_ROLES, PLATFORMS } from '@watchpost/shared';

export class HubCaDto {
  @ApiProperty({ description: 'PEM of the hub CA' }) caCertificate!: string;
}

export class EnrollRequestDto {
  @ApiProperty({ description: 'single-use enrollment token' }) token!: string;
  @ApiProperty({ description: 'PEM certificate signing request' }) csr!: string;
  @ApiProperty({ required: false }) nodeName?: string;
}

export class RenewRequestDto {
  @ApiProperty({ description: 'PEM certificate signing request' }) csr!: string;
}

export class EnrollMqttDto {
  @ApiProperty() url!: string;
  @ApiProperty({ enum: [4, 5] }) protocolVersion!: number;
}

export class EnrollClusterDto {
  @ApiProperty() name!: string;
  @ApiProperty({ enum: [...PLATFORMS] }) platform!: string;
  @ApiProperty({ enum: [...CLUSTER_ROLES] }) role!: string;
  @ApiProperty({ required: false }) location?: string;
}

export class EnrollResponseDto {
  @ApiProperty() agentId!: string;
  @ApiProperty({ description: 'PEM' }) certificate!: string;
  @ApiProperty({ description: 'PEM' }) caCertificate!: string;
  @ApiProperty({ type: EnrollMqttDto }) mqtt!: EnrollMqttDto;
  @ApiProperty({ type: EnrollClusterDto }) cluster!: EnrollClusterDto;
  @ApiProperty({ required: false, type: [String] }) supersedes?: string[];
}

export class RenewResponseDto {
  @ApiProperty({ description: 'PEM' }) certificate!: string;
  @ApiProperty({ description: 'PEM' }) caCertificate!: string;
}

export class RevokeResponseDto {
  @ApiProperty() agentId!: string;
  @ApiProperty() revokedAt!: string;
  @ApiProperty({ description: 'certificates revoked with it' }) certificates!: number;
}
