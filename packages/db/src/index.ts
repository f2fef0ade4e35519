/**
 * @arasul/db: the schema of arasul_db and arasul_data_db (Kysely types, one file per table), their
 * migrations, and the helpers to open pools and migrate.
 */
export type { Database } from './database';
export type { DataDatabase } from './data-database';
export * from './column-types';
export {
  type MigrationSet,
  MigrationError,
  createMigrator,
  migrateToLatest,
  migrateDownToZero,
  createPool,
  createDb,
  type CreatePoolOptions,
} from './migrator';
export {
  provision,
  revertAllMigrations,
  assertSafeIdentifier,
  type ProvisionConfig,
  type ProvisionReport,
  type DatabaseTarget,
} from './provision';
export { loadProvisionConfig, ConfigError } from './config';

// Table and view types.
export * from './tables/metrics-cpu';
export * from './tables/metrics-ram';
export * from './tables/metrics-gpu';
export * from './tables/metrics-temperature';
export * from './tables/metrics-disk';
export * from './tables/metrics-swap';
export * from './tables/metrics-hourly-rollups';
export * from './tables/metrics-alert-events';
export * from './tables/admin-users';
export * from './tables/rag-settings';
export * from './tables/token-blacklist';
export * from './tables/login-attempts';
export * from './tables/active-sessions';
export * from './tables/password-history';
export * from './tables/self-healing-events';
export * from './tables/self-healing-service-state';
export * from './tables/self-healing-settings';
export * from './tables/workflow-activity';
export * from './tables/update-events';
export * from './tables/update-backups';
export * from './tables/update-files';
export * from './tables/update-rollbacks';
export * from './tables/component-updates';
export * from './tables/chat-conversations';
export * from './tables/chat-messages';
export * from './tables/llm-jobs';
export * from './tables/llm-queue';
export * from './tables/documents';
export * from './tables/document-chunks';
export * from './tables/document-spaces';
export * from './tables/document-sections';
export * from './tables/document-vectors';
export * from './tables/alert-thresholds';
export * from './tables/alert-history';
export * from './tables/llm-model-catalog';
export * from './tables/llm-installed-models';
export * from './tables/llm-model-switches';
export * from './tables/installed-apps';
export * from './tables/audit-logs';
export * from './tables/claude-terminal-sessions';
export * from './tables/telegram-config';
export * from './tables/notification-events';
export * from './tables/notification-settings';
export * from './tables/service-status-cache';
export * from './tables/system-boot-events';
export * from './tables/notification-rate-limits';
export * from './tables/api-audit-logs';
export * from './tables/telegram-rate-limits';
export * from './tables/telegram-message-log';
export * from './tables/telegram-alert-cooldowns';
export * from './tables/api-keys';
export * from './tables/api-key-usage';
export * from './tables/telegram-setup-sessions';
export * from './tables/telegram-notification-rules';
export * from './tables/telegram-chats';
export * from './tables/notification-webhooks';
export * from './views/api-audit-daily-stats';
export * from './views/api-audit-endpoint-stats';
export * from './views/telegram-stats-24h';
export * from './views/telegram-active-cooldowns';
export * from './views/telegram-recent-messages';
export * from './tables/data/dt-tables';
export * from './tables/data/dt-fields';
export * from './tables/data/dt-relations';
export * from './tables/data/dt-views';
export * from './tables/data/dt-quote-templates';
export * from './tables/data/dt-quotes';
export * from './tables/data/dt-quote-positions';
export * from './tables/data/dt-quote-history';
