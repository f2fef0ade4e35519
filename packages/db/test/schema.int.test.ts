/**
 * The migrated schema matches the reference (seed 000): every table with its columns and SQL types, every
 * named index, trigger, view, function and enum. The expectations are written out by hand on purpose:
 * they are the spec, not a snapshot of whatever the migrations produced.
 *
 * The exact comparison is made right after the last seed-topic migration. Later migrations may only add
 * to it, which the last block checks against the latest schema.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { createMigrator, migrateToLatest, type MigrationSet } from '../src/migrator';
import { createScratchDatabase, type ScratchDatabase } from './helpers/scratch-database';

const LAST_SEED_MIGRATION: Record<MigrationSet, string> = {
  main: '027_model_ollama_name',
  data: '002_quotes_schema',
};

async function migrateToSeedSchema(db: Kysely<unknown>, set: MigrationSet): Promise<void> {
  const { error } = await createMigrator(db, set).migrateTo(LAST_SEED_MIGRATION[set]);
  if (error !== undefined) throw new Error('migrating to the seed schema failed', { cause: error });
}

/** The expected tables and columns, with what the database has for exactly those columns. */
function seedColumnsIn(
  actual: Record<string, TableSpec>,
  expected: Record<string, TableSpec>,
): Record<string, Record<string, ColumnSpec | undefined>> {
  return Object.fromEntries(
    Object.entries(expected).map(([table, columns]) => [
      table,
      Object.fromEntries(Object.keys(columns).map((column) => [column, actual[table]?.[column]])),
    ]),
  );
}

/** 'type' or 'type not null'; serial = int4 with a sequence default; arrays as 'elem[]'. */
type ColumnSpec = string;
type TableSpec = Record<string, ColumnSpec>;

const ts = 'timestamptz';
const tsNN = 'timestamptz not null';
const percentMetric: TableSpec = { timestamp: tsNN, value: 'numeric(5,2) not null' };

const expectedMainTables: Record<string, TableSpec> = {
  metrics_cpu: percentMetric,
  metrics_ram: percentMetric,
  metrics_gpu: percentMetric,
  metrics_temperature: percentMetric,
  metrics_disk: {
    timestamp: tsNN,
    used: 'int8 not null',
    free: 'int8 not null',
    percent: 'numeric(5,2) not null',
  },
  admin_users: {
    id: 'serial not null',
    username: 'varchar(50) not null',
    password_hash: 'varchar(255) not null',
    email: 'varchar(255)',
    created_at: tsNN,
    updated_at: tsNN,
    last_login: ts,
    login_attempts: 'int4 not null',
    locked_until: ts,
    is_active: 'bool not null',
  },
  token_blacklist: {
    id: 'serial not null',
    token_jti: 'varchar(255) not null',
    user_id: 'int4',
    blacklisted_at: tsNN,
    expires_at: tsNN,
  },
  login_attempts: {
    id: 'serial not null',
    username: 'varchar(50) not null',
    ip_address: 'inet',
    success: 'bool not null',
    attempted_at: tsNN,
    user_agent: 'text',
  },
  active_sessions: {
    id: 'serial not null',
    user_id: 'int4 not null',
    token_jti: 'varchar(255) not null',
    ip_address: 'inet',
    user_agent: 'text',
    created_at: tsNN,
    expires_at: tsNN,
    last_activity: tsNN,
  },
  password_history: {
    id: 'serial not null',
    user_id: 'int4 not null',
    password_hash: 'varchar(255) not null',
    changed_at: tsNN,
    changed_by: 'varchar(50)',
    ip_address: 'inet',
  },
  self_healing_events: {
    id: 'serial not null',
    event_type: 'varchar(50) not null',
    severity: 'varchar(20) not null',
    description: 'text not null',
    action_taken: 'text',
    timestamp: tsNN,
  },
  workflow_activity: {
    id: 'serial not null',
    workflow_name: 'varchar(255) not null',
    status: 'varchar(50) not null',
    timestamp: tsNN,
    duration_ms: 'int4',
    error: 'text',
  },
  update_events: {
    id: 'serial not null',
    version_from: 'varchar(20)',
    version_to: 'varchar(20) not null',
    status: 'varchar(20) not null',
    source: 'varchar(50) not null',
    components_updated: 'jsonb',
    error_message: 'text',
    started_at: tsNN,
    completed_at: ts,
    duration_seconds: 'int4',
    requires_reboot: 'bool not null',
    initiated_by: 'varchar(50)',
  },
  update_backups: {
    id: 'serial not null',
    backup_path: 'varchar(500) not null',
    update_event_id: 'int4',
    created_at: tsNN,
    backup_size_mb: 'numeric(10,2)',
    components: 'jsonb',
    restoration_tested: 'bool not null',
    notes: 'text',
  },
  update_files: {
    id: 'serial not null',
    filename: 'varchar(255) not null',
    file_path: 'varchar(500) not null',
    checksum_sha256: 'varchar(64) not null',
    file_size_bytes: 'int8 not null',
    source: 'varchar(50) not null',
    uploaded_at: tsNN,
    signature_verified: 'bool not null',
    manifest: 'jsonb',
    validation_status: 'varchar(20) not null',
    applied: 'bool not null',
  },
  update_rollbacks: {
    id: 'serial not null',
    original_update_event_id: 'int4',
    backup_id: 'int4',
    rollback_reason: 'text',
    initiated_by: 'varchar(50)',
    started_at: tsNN,
    completed_at: ts,
    success: 'bool',
    error_message: 'text',
  },
  component_updates: {
    id: 'serial not null',
    update_event_id: 'int4 not null',
    component_name: 'varchar(100) not null',
    component_type: 'varchar(50) not null',
    version_from: 'varchar(20)',
    version_to: 'varchar(20)',
    status: 'varchar(20) not null',
    started_at: ts,
    completed_at: ts,
    error_message: 'text',
  },
  chat_conversations: {
    id: 'uuid not null',
    title: 'varchar(255)',
    created_at: tsNN,
    updated_at: tsNN,
    deleted_at: ts,
    message_count: 'int4 not null',
  },
  chat_messages: {
    id: 'uuid not null',
    conversation_id: 'uuid not null',
    role: 'varchar(20) not null',
    content: 'text not null',
    thinking: 'text',
    sources: 'jsonb',
    created_at: tsNN,
  },
  llm_jobs: {
    id: 'uuid not null',
    conversation_id: 'uuid',
    status: 'varchar(20) not null',
    prompt: 'text not null',
    response: 'text',
    error: 'text',
    created_at: tsNN,
    updated_at: tsNN,
  },
  llm_queue: {
    id: 'serial not null',
    job_id: 'uuid not null',
    priority: 'int4 not null',
    created_at: tsNN,
    started_at: ts,
  },
  documents: {
    id: 'uuid not null',
    filename: 'varchar(255) not null',
    original_name: 'varchar(255) not null',
    mime_type: 'varchar(100)',
    size_bytes: 'int8 not null',
    minio_path: 'varchar(500) not null',
    status: 'varchar(20) not null',
    chunk_count: 'int4 not null',
    error_message: 'text',
    created_at: tsNN,
    updated_at: tsNN,
    indexed_at: ts,
  },
  document_chunks: {
    id: 'uuid not null',
    document_id: 'uuid not null',
    chunk_index: 'int4 not null',
    content: 'text not null',
    embedding_id: 'varchar(100)',
    created_at: tsNN,
  },
  alert_thresholds: {
    id: 'serial not null',
    metric_type: 'alert_metric_type not null',
    warning_threshold: 'numeric(5,2) not null',
    critical_threshold: 'numeric(5,2) not null',
    enabled: 'bool not null',
    cooldown_seconds: 'int4 not null',
    display_name: 'varchar(100) not null',
  },
  alert_history: {
    id: 'serial not null',
    metric_type: 'alert_metric_type not null',
    severity: 'alert_severity not null',
    value: 'numeric(10,2) not null',
    threshold: 'numeric(10,2) not null',
    triggered_at: tsNN,
    resolved_at: ts,
    notification_sent: 'bool not null',
  },
  llm_model_catalog: {
    id: 'varchar(100) not null',
    name: 'varchar(255) not null',
    description: 'text',
    size_bytes: 'int8',
    ram_required_gb: 'int4',
    category: 'varchar(50)',
    capabilities: 'jsonb not null',
    jetson_tested: 'bool not null',
    performance_tier: 'int4',
    ollama_name: 'varchar(255)',
  },
  llm_installed_models: {
    id: 'varchar(100) not null',
    status: 'varchar(20) not null',
    download_progress: 'int4 not null',
    downloaded_at: ts,
    last_used_at: ts,
    usage_count: 'int4 not null',
    is_default: 'bool not null',
  },
  llm_model_switches: {
    id: 'serial not null',
    from_model: 'varchar(100)',
    to_model: 'varchar(100) not null',
    switch_duration_ms: 'int4',
    triggered_by: 'varchar(50) not null',
    switched_at: tsNN,
  },
  installed_apps: {
    id: 'varchar(100) not null',
    name: 'varchar(255) not null',
    description: 'text',
    version: 'varchar(50) not null',
    category: 'varchar(50)',
    status: 'varchar(20) not null',
    config: 'jsonb not null',
    installed_at: tsNN,
  },
  audit_logs: {
    id: 'serial not null',
    user_id: 'int4',
    action: 'varchar(100) not null',
    resource_type: 'varchar(50)',
    resource_id: 'varchar(100)',
    details: 'jsonb',
    ip_address: 'varchar(45)',
    created_at: tsNN,
  },
  claude_terminal_sessions: {
    id: 'serial not null',
    user_id: 'int4',
    query: 'text not null',
    response: 'text',
    context: 'jsonb',
    created_at: tsNN,
  },
  telegram_config: {
    id: 'int4 not null',
    bot_token_encrypted: 'text',
    bot_token_iv: 'text',
    bot_token_tag: 'text',
    chat_id: 'varchar(50)',
    enabled: 'bool not null',
    alert_thresholds: 'jsonb not null',
    created_at: tsNN,
    updated_at: tsNN,
    notification_preferences: 'jsonb not null',
    test_message_sent_at: ts,
    last_error: 'text',
    last_error_at: ts,
    connection_verified: 'bool not null',
    connection_verified_at: ts,
    bot_username: 'varchar(100)',
  },
  notification_events: {
    id: 'serial not null',
    event_type: 'varchar(50) not null',
    event_category: 'varchar(50) not null',
    source_service: 'varchar(100)',
    severity: 'varchar(20) not null',
    title: 'varchar(255) not null',
    message: 'text',
    metadata: 'jsonb',
    notification_sent: 'bool not null',
    notification_sent_at: ts,
    notification_error: 'text',
    retry_count: 'int4 not null',
    created_at: tsNN,
  },
  notification_settings: {
    id: 'serial not null',
    user_id: 'int4',
    channel: 'varchar(50) not null',
    enabled: 'bool not null',
    event_types: 'text[]',
    min_severity: 'varchar(20) not null',
    rate_limit_per_minute: 'int4 not null',
    rate_limit_per_hour: 'int4 not null',
    quiet_hours_start: 'time',
    quiet_hours_end: 'time',
    telegram_chat_id: 'varchar(100)',
    telegram_bot_token_override: 'varchar(255)',
    webhook_url: 'varchar(500)',
    webhook_secret: 'varchar(255)',
    created_at: tsNN,
    updated_at: tsNN,
  },
  service_status_cache: {
    service_name: 'varchar(100) not null',
    container_name: 'varchar(255)',
    status: 'varchar(50) not null',
    health: 'varchar(50)',
    last_status: 'varchar(50)',
    last_health: 'varchar(50)',
    status_changed_at: tsNN,
    last_checked_at: tsNN,
    metadata: 'jsonb',
  },
  system_boot_events: {
    id: 'serial not null',
    boot_timestamp: tsNN,
    previous_shutdown_timestamp: ts,
    shutdown_reason: 'varchar(100)',
    uptime_before_shutdown_seconds: 'int4',
    services_status_at_boot: 'jsonb',
    boot_duration_ms: 'int4',
    notification_sent: 'bool not null',
    created_at: tsNN,
  },
  notification_rate_limits: {
    id: 'serial not null',
    user_id: 'int4',
    channel: 'varchar(50) not null',
    event_type: 'varchar(50) not null',
    window_start: tsNN,
    count: 'int4 not null',
  },
  api_audit_logs: {
    id: 'serial not null',
    timestamp: tsNN,
    user_id: 'int4',
    username: 'varchar(255)',
    action_type: 'varchar(50) not null',
    target_endpoint: 'varchar(500) not null',
    request_method: 'varchar(10) not null',
    request_payload: 'jsonb',
    response_status: 'int4 not null',
    duration_ms: 'int4',
    ip_address: 'varchar(45)',
    user_agent: 'text',
    error_message: 'text',
  },
  telegram_rate_limits: {
    id: 'serial not null',
    chat_id: 'varchar(50) not null',
    window_start: tsNN,
    message_count: 'int4 not null',
    last_message_at: tsNN,
  },
  telegram_message_log: {
    id: 'serial not null',
    chat_id: 'varchar(50) not null',
    message_type: 'varchar(50) not null',
    severity: 'varchar(20) not null',
    title: 'varchar(255)',
    message_text: 'text not null',
    message_id: 'int4',
    metadata: 'jsonb',
    sent_at: tsNN,
    delivered: 'bool not null',
    error_message: 'text',
    retry_count: 'int4 not null',
    source_event_id: 'int4',
    triggered_by: 'varchar(100) not null',
  },
  telegram_alert_cooldowns: {
    id: 'serial not null',
    alert_type: 'varchar(100) not null',
    chat_id: 'varchar(50) not null',
    last_alert_at: tsNN,
    alert_count: 'int4 not null',
  },
  api_keys: {
    id: 'serial not null',
    key_hash: 'varchar(128) not null',
    key_prefix: 'varchar(8) not null',
    name: 'varchar(100) not null',
    description: 'text',
    created_by: 'int4',
    created_at: tsNN,
    last_used_at: ts,
    expires_at: ts,
    is_active: 'bool not null',
    rate_limit_per_minute: 'int4 not null',
    allowed_endpoints: 'text[]',
  },
  api_key_usage: {
    id: 'serial not null',
    api_key_id: 'int4 not null',
    endpoint: 'varchar(255) not null',
    method: 'varchar(10) not null',
    status_code: 'int4 not null',
    response_time_ms: 'int4',
    request_ip: 'varchar(45)',
    created_at: tsNN,
  },
  telegram_setup_sessions: {
    id: 'serial not null',
    setup_token: 'varchar(64) not null',
    bot_token_encrypted: 'bytea',
    bot_username: 'varchar(100)',
    chat_id: 'int8',
    user_id: 'int4',
    status: 'telegram_setup_status not null',
    expires_at: tsNN,
  },
  telegram_notification_rules: {
    id: 'serial not null',
    name: 'varchar(100) not null',
    event_source: 'notification_event_source not null',
    event_type: 'varchar(100)',
    severity_filter: 'varchar[]',
    message_template: 'text',
    enabled: 'bool not null',
    created_at: tsNN,
  },
};

const expectedDataTables: Record<string, TableSpec> = {
  dt_tables: {
    id: 'uuid not null',
    name: 'varchar(100) not null',
    slug: 'varchar(63) not null',
    description: 'text',
    icon: 'varchar(50)',
    color: 'varchar(20)',
    created_by: 'varchar(100)',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_fields: {
    id: 'uuid not null',
    table_id: 'uuid not null',
    name: 'varchar(100) not null',
    slug: 'varchar(63) not null',
    field_type: 'varchar(20) not null',
    description: 'text',
    is_required: 'bool not null',
    is_unique: 'bool not null',
    default_value: 'jsonb',
    options: 'jsonb not null',
    validation: 'jsonb not null',
    position: 'int4 not null',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_relations: {
    id: 'uuid not null',
    source_table_id: 'uuid not null',
    source_field_id: 'uuid not null',
    target_table_id: 'uuid not null',
    relation_type: 'varchar(20) not null',
    on_delete: 'varchar(20) not null',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_views: {
    id: 'uuid not null',
    table_id: 'uuid not null',
    name: 'varchar(100) not null',
    filters: 'jsonb not null',
    sorts: 'jsonb not null',
    visible_field_ids: 'uuid[]',
    is_default: 'bool not null',
    created_by: 'varchar(100)',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_quote_templates: {
    id: 'uuid not null',
    name: 'varchar(100) not null',
    is_default: 'bool not null',
    company_name: 'varchar(255) not null',
    company_address: 'text',
    company_email: 'varchar(255)',
    company_phone: 'varchar(50)',
    company_website: 'varchar(255)',
    tax_id: 'varchar(50)',
    bank_name: 'varchar(100)',
    iban: 'varchar(34)',
    bic: 'varchar(11)',
    logo_path: 'varchar(500)',
    primary_color: 'varchar(20)',
    header_text: 'text',
    footer_text: 'text',
    payment_terms: 'text',
    default_tax_rate: 'numeric(5,2) not null',
    currency: 'bpchar(3) not null',
    validity_days: 'int4 not null',
    number_prefix: 'varchar(20) not null',
    pdf_settings: 'jsonb not null',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_quotes: {
    id: 'uuid not null',
    quote_number: 'varchar(50) not null',
    template_id: 'uuid',
    status: 'varchar(20) not null',
    customer_name: 'varchar(255) not null',
    customer_company: 'varchar(255)',
    customer_email: 'varchar(255)',
    customer_phone: 'varchar(50)',
    customer_address: 'text',
    title: 'varchar(255)',
    introduction: 'text',
    closing_text: 'text',
    internal_notes: 'text',
    currency: 'bpchar(3) not null',
    quote_date: 'date not null',
    valid_until: 'date',
    subtotal: 'numeric(12,2) not null',
    discount_amount: 'numeric(12,2) not null',
    tax_amount: 'numeric(12,2) not null',
    total: 'numeric(12,2) not null',
    pdf_path: 'varchar(500)',
    sent_at: ts,
    accepted_at: ts,
    rejected_at: ts,
    created_by: 'varchar(100)',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_quote_positions: {
    id: 'uuid not null',
    quote_id: 'uuid not null',
    position: 'int4 not null',
    name: 'varchar(255) not null',
    description: 'text',
    quantity: 'numeric(12,3) not null',
    unit: 'varchar(20)',
    unit_price: 'numeric(12,2) not null',
    discount_percent: 'numeric(5,2) not null',
    tax_rate: 'numeric(5,2) not null',
    line_total: 'numeric(12,2) generated',
    created_at: tsNN,
    updated_at: tsNN,
  },
  dt_quote_history: {
    id: 'uuid not null',
    quote_id: 'uuid not null',
    from_status: 'varchar(20)',
    to_status: 'varchar(20) not null',
    changed_by: 'varchar(100)',
    comment: 'text',
    changed_at: tsNN,
  },
};

/** Every index named in seed 000 (per-table lists and the Indexes Summary). */
const seedIndexes = [
  'idx_conversations_updated',
  'idx_conversations_deleted',
  'idx_messages_conversation',
  'idx_documents_status',
  'idx_documents_created',
  'idx_chunks_document',
  'idx_telegram_config_enabled',
  'idx_api_audit_logs_timestamp',
  'idx_api_audit_logs_user_id',
  'idx_api_audit_logs_action_type',
  'idx_api_audit_logs_status',
  'idx_api_audit_logs_response_status',
  'idx_api_audit_logs_date_action',
  'idx_api_audit_logs_timestamp_action',
  'idx_api_audit_logs_endpoint',
  'idx_api_audit_logs_errors',
  'idx_telegram_rate_limits_chat',
  'idx_telegram_rate_limits_cleanup',
  'idx_telegram_message_log_chat',
  'idx_telegram_message_log_type',
  'idx_telegram_message_log_severity',
  'idx_telegram_message_log_sent',
  'idx_telegram_message_log_failed',
  'idx_telegram_alert_cooldowns_lookup',
];

const updatedAtTriggers = [
  'trigger_admin_users_updated_at',
  'trigger_chat_conversations_updated_at',
  'trigger_llm_jobs_updated_at',
  'trigger_documents_updated_at',
  'trigger_telegram_config_updated_at',
  'trigger_notification_settings_updated_at',
];

const mainViews: Record<string, string[]> = {
  api_audit_daily_stats: [
    'day',
    'action_type',
    'total_requests',
    'successful_requests',
    'failed_requests',
    'unique_users',
    'avg_duration_ms',
    'max_duration_ms',
  ],
  api_audit_endpoint_stats: [
    'target_endpoint',
    'request_method',
    'total_requests',
    'error_count',
    'avg_duration_ms',
    'p95_duration_ms',
    'max_duration_ms',
    'last_request_at',
  ],
  v_telegram_stats_24h: [
    'message_type',
    'total_messages',
    'delivered_messages',
    'failed_messages',
    'critical_messages',
    'last_sent_at',
  ],
  v_telegram_active_cooldowns: ['alert_type', 'chat_id', 'last_alert_at', 'alert_count', 'cooldown_until'],
  v_telegram_recent_messages: [
    'id',
    'chat_id',
    'message_type',
    'severity',
    'title',
    'message_text',
    'message_id',
    'delivered',
    'error_message',
    'retry_count',
    'triggered_by',
    'sent_at',
  ],
};

/** name → identity arguments, as pg_get_function_identity_arguments prints them. */
const mainFunctions: Record<string, string> = {
  set_updated_at: '',
  update_conversation_message_count: '',
  cleanup_old_metrics: 'retention_days integer',
  cleanup_old_self_healing_events: 'retention_days integer',
  cleanup_old_workflow_activity: 'retention_days integer',
  purge_deleted_conversations: 'retention_days integer',
  cleanup_old_api_audit_logs: 'retention_days integer',
  cleanup_old_api_key_usage: 'retention_days integer',
  check_telegram_rate_limit:
    'p_chat_id character varying, p_max_per_second integer, p_max_per_minute integer',
  check_telegram_alert_cooldown:
    'p_alert_type character varying, p_chat_id character varying, p_cooldown_minutes integer',
  log_telegram_message:
    'p_chat_id character varying, p_message_type character varying, p_message_text text, ' +
    'p_severity character varying, p_title character varying, p_message_id integer, p_delivered boolean, ' +
    'p_error_message text, p_metadata jsonb, p_source_event_id integer, p_triggered_by character varying',
  cleanup_telegram_rate_limits: '',
  cleanup_telegram_message_logs: 'retention_days integer',
};

const mainEnums: Record<string, string[]> = {
  alert_metric_type: ['cpu', 'ram', 'disk', 'temperature'],
  alert_severity: ['warning', 'critical'],
  telegram_setup_status: ['pending', 'token_valid', 'completed', 'expired'],
  notification_event_source: ['claude', 'system', 'n8n', 'services', 'custom'],
};

interface ColumnRow {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  character_maximum_length: number | null;
  numeric_precision: number | null;
  numeric_scale: number | null;
  is_nullable: 'YES' | 'NO';
  is_generated: 'ALWAYS' | 'NEVER';
  column_default: string | null;
}

function describeColumn(column: ColumnRow): ColumnSpec {
  let type = column.data_type === 'ARRAY' ? `${column.udt_name.slice(1)}[]` : column.udt_name;
  if (column.character_maximum_length !== null) type += `(${column.character_maximum_length})`;
  if (column.udt_name === 'numeric' && column.numeric_precision !== null) {
    type += `(${column.numeric_precision},${column.numeric_scale ?? 0})`;
  }
  if (type === 'int4' && column.column_default?.startsWith('nextval(') === true) type = 'serial';
  if (column.is_generated === 'ALWAYS') return `${type} generated`;
  return column.is_nullable === 'NO' ? `${type} not null` : type;
}

async function actualTables(db: Kysely<unknown>): Promise<Record<string, TableSpec>> {
  const { rows } = await sql<ColumnRow>`
    SELECT c.table_name, c.column_name, c.data_type, c.udt_name, c.character_maximum_length,
           c.numeric_precision, c.numeric_scale, c.is_nullable, c.is_generated, c.column_default
      FROM information_schema.columns c
      JOIN information_schema.tables t USING (table_schema, table_name)
     WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
       AND c.table_name NOT IN ('kysely_migration', 'kysely_migration_lock')
     ORDER BY c.table_name, c.ordinal_position`.execute(db);
  const tables: Record<string, TableSpec> = {};
  for (const row of rows) (tables[row.table_name] ??= {})[row.column_name] = describeColumn(row);
  return tables;
}

async function names(db: Kysely<unknown>, query: RawBuilder<{ name: string }>): Promise<string[]> {
  const { rows } = await query.execute(db);
  return rows.map((row) => row.name).sort();
}

/**
 * Foreign keys with no index that starts with one of their columns: deleting or updating a parent row
 * would scan the whole child table.
 */
async function unindexedForeignKeys(db: Kysely<unknown>): Promise<string[]> {
  return names(
    db,
    sql<{ name: string }>`
      SELECT c.conname AS name
        FROM pg_constraint c
        JOIN pg_namespace n ON n.oid = c.connamespace
       WHERE c.contype = 'f' AND n.nspname = 'public'
         AND NOT EXISTS (
           SELECT 1 FROM pg_index i
            WHERE i.indrelid = c.conrelid
              AND (i.indkey::int2[])[0] = ANY (c.conkey)
         )`,
  );
}

describe('arasul_db after the seed-topic migrations on an empty database', () => {
  let scratch: ScratchDatabase<unknown>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('schema_main');
    await migrateToSeedSchema(scratch.db, 'main');
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it('has exactly the seed tables, each with the seed columns and SQL types', async () => {
    expect(await actualTables(scratch.db)).toEqual(expectedMainTables);
  });

  it('has every index the seed names', async () => {
    const indexes = await names(
      scratch.db,
      sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'`,
    );
    expect(seedIndexes.filter((index) => !indexes.includes(index))).toEqual([]);
  });

  it('indexes the date-per-action query with an immutable UTC day expression', async () => {
    const { rows } = await sql<{ indexdef: string }>`
      SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_api_audit_logs_errors'
      UNION ALL
      SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_api_audit_logs_date_action'`.execute(scratch.db);
    expect(rows.map((row) => row.indexdef)).toEqual([
      expect.stringMatching(/\("timestamp" DESC\) WHERE \(response_status >= 400\)$/),
      expect.stringMatching(/\(date\(\("timestamp" AT TIME ZONE 'UTC'::text\)\), action_type\)$/),
    ]);
  });

  it('has an index starting with a column of every foreign key', async () => {
    expect(await unindexedForeignKeys(scratch.db)).toEqual([]);
  });

  it('has the message-count trigger and an updated_at trigger on every table that has updated_at', async () => {
    const triggers = await names(
      scratch.db,
      sql<{ name: string }>`
        SELECT DISTINCT event_object_table || '.' || trigger_name AS name
          FROM information_schema.triggers WHERE trigger_schema = 'public'`,
    );
    const tablesWithUpdatedAt = Object.entries(expectedMainTables)
      .filter(([, columns]) => 'updated_at' in columns)
      .map(([table]) => `${table}.trigger_${table}_updated_at`);
    expect(tablesWithUpdatedAt.map((name) => name.split('.')[1]).sort()).toEqual(
      [...updatedAtTriggers].sort(),
    );
    expect(triggers).toEqual([...tablesWithUpdatedAt, 'chat_messages.update_message_count'].sort());
  });

  it('has the seed views with their columns', async () => {
    const { rows } = await sql<{ table_name: string; column_name: string }>`
      SELECT c.table_name, c.column_name
        FROM information_schema.columns c
        JOIN information_schema.views v USING (table_schema, table_name)
       WHERE c.table_schema = 'public'
       ORDER BY c.table_name, c.ordinal_position`.execute(scratch.db);
    const views: Record<string, string[]> = {};
    for (const row of rows) (views[row.table_name] ??= []).push(row.column_name);
    expect(views).toEqual(mainViews);
  });

  it('has the seed functions with their signatures, and the retention ones return integer', async () => {
    const { rows } = await sql<{ name: string; args: string; result: string }>`
      SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
             pg_get_function_result(p.oid) AS result
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = 'public'`.execute(scratch.db);
    expect(Object.fromEntries(rows.map((row) => [row.name, row.args]))).toEqual(mainFunctions);
    const cleanupResults = rows.filter((row) => /^(cleanup|purge)_/.test(row.name)).map((row) => row.result);
    expect(new Set(cleanupResults)).toEqual(new Set(['integer']));
  });

  it('has the seed enums with their labels in order', async () => {
    const { rows } = await sql<{ name: string; labels: string[] }>`
      SELECT t.typname AS name, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
        FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid
       GROUP BY t.typname`.execute(scratch.db);
    expect(Object.fromEntries(rows.map((row) => [row.name, row.labels]))).toEqual(mainEnums);
  });

  it('starts with the four default alert thresholds and no telegram_config row', async () => {
    const { rows } = await sql<{ metric_type: string; warning: string; critical: string }>`
      SELECT metric_type, warning_threshold AS warning, critical_threshold AS critical
        FROM alert_thresholds ORDER BY id`.execute(scratch.db);
    expect(rows).toEqual([
      { metric_type: 'cpu', warning: '80.00', critical: '95.00' },
      { metric_type: 'ram', warning: '80.00', critical: '95.00' },
      { metric_type: 'disk', warning: '80.00', critical: '95.00' },
      { metric_type: 'temperature', warning: '75.00', critical: '85.00' },
    ]);
    const config = await sql<{ n: string }>`SELECT count(*) AS n FROM telegram_config`.execute(scratch.db);
    expect(config.rows[0]?.n).toBe('0');
  });
});

describe('arasul_data_db after its first migrations on an empty database', () => {
  let scratch: ScratchDatabase<unknown>;

  beforeAll(async () => {
    scratch = await createScratchDatabase('schema_data');
    await migrateToSeedSchema(scratch.db, 'data');
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it('has exactly the Datentabellen tables with their columns and SQL types', async () => {
    expect(await actualTables(scratch.db)).toEqual(expectedDataTables);
  });

  it('has an updated_at trigger on every table that has updated_at', async () => {
    const triggers = await names(
      scratch.db,
      sql<{ name: string }>`
        SELECT DISTINCT trigger_name AS name FROM information_schema.triggers WHERE trigger_schema = 'public'`,
    );
    const expected = Object.entries(expectedDataTables)
      .filter(([, columns]) => 'updated_at' in columns)
      .map(([table]) => `trigger_${table}_updated_at`)
      .sort();
    expect(triggers).toEqual(expected);
  });

  it('has an index starting with a column of every foreign key', async () => {
    expect(await unindexedForeignKeys(scratch.db)).toEqual([]);
  });
});

describe.each([
  ['main', expectedMainTables],
  ['data', expectedDataTables],
] as const)('the latest %s schema', (set, expectedTables) => {
  let scratch: ScratchDatabase<unknown>;

  beforeAll(async () => {
    scratch = await createScratchDatabase(`schema_latest_${set}`);
    await migrateToLatest(scratch.db, set);
  });
  afterAll(async () => {
    await scratch.drop();
  });

  it('still has every reference column with its type: later migrations only add', async () => {
    expect(seedColumnsIn(await actualTables(scratch.db), expectedTables)).toEqual(expectedTables);
  });

  it('still has every reference index, view and function', async () => {
    const present = await names(
      scratch.db,
      sql<{ name: string }>`
        SELECT indexname AS name FROM pg_indexes WHERE schemaname = 'public'
        UNION SELECT table_name FROM information_schema.views WHERE table_schema = 'public'
        UNION SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
               WHERE n.nspname = 'public'`,
    );
    const reference =
      set === 'main' ? [...seedIndexes, ...Object.keys(mainViews), ...Object.keys(mainFunctions)] : [];
    expect(reference.filter((name) => !present.includes(name))).toEqual([]);
  });
});
