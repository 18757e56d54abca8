export * from './data-source-options';
export * from './embedded-postgres';
export * from './modified-rows';
export * from './prepared-statements';
export * from './one-statement';
