export * from './api-key.service';
export * from './api-key.strategy';
export * from './api-key.guard';
export * from './api-key.dto';
