import { DynamicModule, Global, Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ApiKeyService } from './auth/api-key.service';
import { ApiKeysController } from './auth/api-keys.controller';
import { ApiKeyStrategy } from './auth/api-key.strategy';
import { ScopeGuard } from './auth/api-key.guard';
import { APP_CONFIG, type AppConfig } from './config/app-config';
import { buildDataSourceOptions } from './database/data-source-options';
import { HealthController } from './health/health.controller';
import { HealthRegistry } from './health/health.registry';
import { PublicAddress } from './http/public-address';
import { MetricsController } from './metrics/metrics.controller';
import { MetricsRegistry } from './metrics/metrics.registry';

/** Config, database connection, API-key auth (and the keys' API) and health: what every other module leans on. */
@Global()
@Module({})
export class CommonModule {
  static forRoot(config: AppConfig, databaseUrl: string): DynamicModule {
    return {
      module: CommonModule,
      imports: [
        TypeOrmModule.forRoot({
          // Migrations already ran as the owner (prepareRuntime); this pool acts as the application role.
          ...buildDataSourceOptions(databaseUrl, config.database.poolSize, {
            role: config.database.appRole,
            preparedStatements: config.database.preparedStatements,
            idleInTransactionTimeoutMs: config.database.idleInTransactionTimeoutMs,
          }),
          // Fail fast at boot: a process that cannot reach its database should say so, not hang.
          retryAttempts: 2,
          retryDelay: 1000,
        }),
        PassportModule,
      ],
      controllers: [HealthController, MetricsController, ApiKeysController],
      providers: [
        { provide: APP_CONFIG, useValue: config },
        ApiKeyService,
        ApiKeyStrategy,
        ScopeGuard,
        HealthRegistry,
        MetricsRegistry,
        PublicAddress,
      ],
      exports: [APP_CONFIG, ApiKeyService, HealthRegistry, MetricsRegistry, PublicAddress],
    };
  }
}
