import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiProduces, ApiTags } from '@nestjs/swagger';
import { RequireScope } from '../auth/api-key.guard';
import { MetricsRegistry } from './metrics.registry';

@ApiTags('operations')
@RequireScope('staff')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly registry: MetricsRegistry) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description:
      'Backlogs, dead letters and this process, in the Prometheus text format (README "Watching it run"). Scrape ' +
      'with a staff API key as bearer token.',
    schema: {
      type: 'string',
      example:
        '# HELP signbridge_webhook_deliveries ERP webhook deliveries not yet delivered, by status\n' +
        '# TYPE signbridge_webhook_deliveries gauge\nsignbridge_webhook_deliveries{status="dead"} 0\n',
    },
  })
  metrics(): Promise<string> {
    return this.registry.render();
  }
}
