import type { Migration } from 'kysely';
import * as m001 from './001_metrics';
import * as m002 from './002_auth';
import * as m003 from './003_self_healing';
import * as m004 from './004_updates';
import * as m005 from './005_chat';
import * as m006 from './006_llm_jobs';
import * as m007 from './007_message_sources';
import * as m008 from './008_llm_queue';
import * as m009 from './009_documents';
import * as m010 from './010_alert_config';
import * as m011 from './011_llm_models';
import * as m013 from './013_appstore';
import * as m017 from './017_audit_log';
import * as m018 from './018_claude_terminal';
import * as m019 from './019_notification_events';
import * as m020 from './020_telegram_config';
import * as m021 from './021_api_audit_logs';
import * as m022 from './022_telegram_notification_system';
import * as m023 from './023_api_keys';
import * as m024 from './024_telegram_app';
import * as m027 from './027_model_ollama_name';
import * as m029 from './029_processed_messages';
import * as m030 from './030_auth_roles_sessions';
import * as m031 from './031_metrics_rollups_alerts';
import * as m032 from './032_llm_queue_scheduler';
import * as m033 from './033_llm_job_api_key';
import * as m035 from './035_document_pipeline';
import * as m037 from './037_rag_settings';
import * as m038 from './038_chat_rag';
import * as m039 from './039_self_healing_agent';
import * as m040 from './040_llm_source_selfhealing';
import * as m041 from './041_telegram_notifier';
import * as m042 from './042_api_key_usage_counts';
import * as m045 from './045_planned_reboot';
import * as m046 from './046_telegram_daily_summary';

/**
 * The migrations of arasul_db, keyed by file name. A static map rather than a directory scan so the same
 * code runs from TypeScript sources (jest) and from dist (production). Gaps in the numbering follow the
 * seed's topic numbers. A test checks that every file in this folder is listed here.
 */
export const mainMigrations: Record<string, Migration> = {
  '001_metrics': m001,
  '002_auth': m002,
  '003_self_healing': m003,
  '004_updates': m004,
  '005_chat': m005,
  '006_llm_jobs': m006,
  '007_message_sources': m007,
  '008_llm_queue': m008,
  '009_documents': m009,
  '010_alert_config': m010,
  '011_llm_models': m011,
  '013_appstore': m013,
  '017_audit_log': m017,
  '018_claude_terminal': m018,
  '019_notification_events': m019,
  '020_telegram_config': m020,
  '021_api_audit_logs': m021,
  '022_telegram_notification_system': m022,
  '023_api_keys': m023,
  '024_telegram_app': m024,
  '027_model_ollama_name': m027,
  '029_processed_messages': m029,
  '030_auth_roles_sessions': m030,
  '031_metrics_rollups_alerts': m031,
  '032_llm_queue_scheduler': m032,
  '033_llm_job_api_key': m033,
  '035_document_pipeline': m035,
  '037_rag_settings': m037,
  '038_chat_rag': m038,
  '039_self_healing_agent': m039,
  '040_llm_source_selfhealing': m040,
  '041_telegram_notifier': m041,
  '042_api_key_usage_counts': m042,
  '045_planned_reboot': m045,
  '046_telegram_daily_summary': m046,
};
