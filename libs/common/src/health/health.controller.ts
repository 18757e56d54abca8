import { Controller, Get, Inject, OnModuleInit, Res } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { DataSource } from 'typeorm';
import { HealthRegistry } from './health.registry';

@ApiTags('operations')
@Controller('health')
export class HealthController implements OnModuleInit {
  constructor(
    @Inject(HealthRegistry) private readonly registry: HealthRegistry,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    this.registry.register('database', async () => {
      await this.dataSource.query('SELECT 1');
      return { up: true };
    });
  }

  @Get()
  @ApiOkResponse({
    description: 'Every dependency answers',
    schema: { example: { status: 'ok', checks: { database: { up: true }, queue: { up: true, driver: 'bullmq' } } } },
  })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down; the body says which' })
  async health(@Res() reply: FastifyReply): Promise<void> {
    const report = await this.registry.run();
    await reply.status(report.status === 'ok' ? 200 : 503).send(report);
  }
}
