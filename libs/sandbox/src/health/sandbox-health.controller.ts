import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { SandboxDatabase } from '../database/sandbox-database';

@ApiTags('operations')
@Controller('health')
export class SandboxHealthController {
  constructor(@Inject(SandboxDatabase) private readonly database: SandboxDatabase) {}

  @Get()
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  @ApiServiceUnavailableResponse({ schema: { example: { status: 'down', detail: 'database: connect ECONNREFUSED' } } })
  async health(@Res() reply: FastifyReply): Promise<void> {
    try {
      await withTimeout(this.database.query('SELECT 1'), 2000);
      await reply.status(200).send({ status: 'ok' });
    } catch (error) {
      await reply.status(503).send({ status: 'down', detail: `database: ${(error as Error).message}` });
    }
  }
}

async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
