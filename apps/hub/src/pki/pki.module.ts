import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { EnrollmentService } from './enrollment.service.js';
import { PkiController } from './pki.controller.js';

/** Agent PKI: enrollment, renewal, revocation. Needs HUB_CONFIG and HUB_PKI (provided by the root module). */
// AuthModule installs the global bearer guard that protects revoke (admin) and leaves the @Public() routes open.
@Module({
  imports: [AuthModule],
  controllers: [PkiController],
  providers: [EnrollmentService],
  exports: [EnrollmentService],
})
export class PkiModule {}
